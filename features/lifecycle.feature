Feature: The data source's life: connect, poll, expire, reconnect, disconnect, delete
  A data source is Connected, Updating while it polls, Needs attention when Salesforce refuses its
  authorization, and Disconnected by the user. Reconnecting resumes from the last committed
  request; disconnecting keeps all CDP data.

  Background:
    Given Salesforce has these contacts:
      | ref | last name | email   |
      | C1  | Lee       | l@x.org |
    And the data source is connected

  # Rule 45.
  Scenario: A connected data source is Connected after each poll
    When the data source syncs
    Then the data source is "Connected"
    And the CDP has 1 person

  # Rules 42, 51 and 38: an expired refresh token, then a reconnect that imports only the changes.
  @control_plane
  Scenario: An expired refresh token needs attention; reconnecting imports only what changed
    Given the connected app's refresh token policy is "expire after 1 hours"
    And the data source has synced
    And 20 minutes pass
    And the data source has synced
    When 3 hours pass
    And Salesforce has these contacts:
      | ref | last name | email   |
      | C2  | Kim       | k@x.org |
    And the data source syncs
    Then the data source is "Needs attention"
    And the CDP has 1 person
    When the data source is reconnected
    And the data source syncs
    Then the data source is "Connected"
    And the CDP has 2 people
    And the sync reports for Contact:
      | outcome                 | count |
      | created                 | 1     |
      | merged by Salesforce id | 0     |

  # Rule 42: revoking the app in Salesforce has the same effect at once.
  @control_plane
  Scenario: Revoked tokens put the data source into Needs attention
    Given the data source has synced
    When the admin revokes the app's tokens in Salesforce
    And the data source syncs
    Then the data source is "Needs attention"

  # Rule 42: an expired access token alone is refreshed silently.
  @control_plane
  Scenario: An expired session is refreshed without the user noticing
    Given the data source has synced
    When 3 hours pass
    And contact "C1" changes in Salesforce:
      | first name |
      | Lou        |
    And the data source syncs
    Then the data source is "Connected"
    And the person holding contact "C1" has:
      | field      | value |
      | first name | Lou   |

  # Rule 46.
  Scenario: Disconnecting keeps every person
    Given the data source has synced
    When the data source is disconnected
    Then the data source is "Disconnected"
    And the CDP has 1 person

  # Rule 47 as the seed states it: deleting the connection keeps people and activities;
  # re-adding starts afresh.
  @control_plane
  Scenario: Deleting a disconnected data source keeps people; adding the org again is a new source
    Given contact "C1" has a task "Intro call" created 2 days ago
    And the data source has synced
    And the data source is disconnected
    When the data source is deleted
    Then the CDP has 1 person
    And no person holds contact "C1"
    And the person with email "l@x.org" has 1 task activity
    When the data source syncs
    Then the CDP has 1 person
    And the sync reports for Contact:
      | outcome         | count |
      | merged by email | 1     |

  # Rule 24 as the seed states it: the resync after a reconnect imports the changes since the
  # last request, activity created while the source was disconnected included.
  @control_plane
  Scenario: A task logged while the data source was disconnected arrives after reconnecting
    Given the data source has synced
    And the data source is disconnected
    And 3 days pass
    And contact "C1" logs a task "Call while away" in Salesforce
    When the data source is reconnected
    And the data source syncs
    Then the person holding contact "C1" has a task activity "Call while away"

  # Rule 55.
  Scenario: Renaming the data source
    When the data source is renamed "EMEA Salesforce"
    Then the data source is named "EMEA Salesforce"

  # Rules 36 and 37: a record changed while a poll reads is picked up by the next poll.
  @control_plane
  Scenario: A record modified while a page is being read is not lost
    Given the data source has synced
    And 20 minutes pass
    When contact "C1" changes in Salesforce while the data source syncs:
      | first name |
      | Mid        |
    And the data source syncs
    Then the person holding contact "C1" has:
      | field      | value |
      | first name | Mid   |

  # Rule 39: a deleted contact's person is archived (no other source holds it).
  Scenario: Deleting a contact in Salesforce archives its person
    Given the data source has synced
    When contact "C1" is deleted in Salesforce
    And the data source syncs
    Then the person with email "l@x.org" is archived
    And no person holds contact "C1"
