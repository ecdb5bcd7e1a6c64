Feature: Selective sync, auto-archive and backfill
  The admin can sync only the people who meet conditions. With auto-archive, people who stop
  meeting them are archived — but only those coming in from the most recent sync; a backfill
  re-evaluates everyone.

  Background:
    Given only contacts whose LeadSource is "Web" are synced
    And Salesforce has these contacts:
      | ref | last name | email   | LeadSource    |
      | C1  | Web       | w@x.org | Web           |
      | C2  | Phone     | p@x.org | Phone Inquiry |

  # Rule 30: only matching contacts become people; accounts are filtered on their own.
  Scenario: Only contacts that meet the conditions are synced
    Given Salesforce has these accounts:
      | ref | name   |
      | A   | Globex |
    When the data source syncs
    Then the CDP has 1 person
    And the person holding contact "C1" has:
      | field | value   |
      | email | w@x.org |
    And account "A" is organization "Globex"

  # Rule 31: a criteria change applies at the next poll (to what that poll reads).
  @control_plane
  Scenario: Changed criteria apply from the next poll
    Given the data source has synced
    And 20 minutes pass
    When only contacts whose LeadSource is "Web" or "Phone Inquiry" are synced
    And contact "C2" changes in Salesforce:
      | title |
      | CFO   |
    And the data source syncs
    Then the CDP has 2 people

  # Rule 32: auto-archive archives a polled record that no longer matches.
  Scenario: Auto-archive archives a contact that stops meeting the conditions
    Given "Auto-archive contacts that no longer meet the criteria" is selected
    And the data source has synced
    When contact "C1" changes in Salesforce:
      | LeadSource |
      | Other      |
    And the data source syncs
    Then the person with email "w@x.org" is archived

  # Rule 33: an archived person who matches again is restored.
  Scenario: An archived person who matches again is restored
    Given "Auto-archive contacts that no longer meet the criteria" is selected
    And the data source has synced
    And contact "C1" changes in Salesforce:
      | LeadSource |
      | Other      |
    And the data source has synced
    When contact "C1" changes in Salesforce:
      | LeadSource |
      | Web        |
    And the data source syncs
    Then the person with email "w@x.org" is not archived

  # The seed: after a disconnect and reconnect, existing contacts that no longer meet the
  # criteria are not archived — only contacts coming in from the most recent sync are.
  @control_plane
  Scenario: Unchanged contacts are not archived when the criteria change or after a reconnect
    Given "Auto-archive contacts that no longer meet the criteria" is selected
    And the data source has synced
    And 20 minutes pass
    And the data source has synced
    And the data source is disconnected
    When only contacts whose LeadSource is "Partner Referral" are synced
    And the data source is reconnected
    And the data source syncs
    Then the person with email "w@x.org" is not archived

  # Rule 32 and the seed: a backfill with auto-archive archives every non-matching contact.
  @control_plane
  Scenario: A backfill with auto-archive cleans up contacts that no longer match
    Given "Auto-archive contacts that no longer meet the criteria" is selected
    And the data source has synced
    And 20 minutes pass
    And the data source has synced
    When only contacts whose LeadSource is "Partner Referral" are synced
    And the data source backfills
    Then the person with email "w@x.org" is archived

  # Rules 34 and 29: a backfill brings what polls never re-read, with the current filters.
  @control_plane
  Scenario: A backfill fills in a newly mapped field for existing people
    Given the Salesforce contact field "Tier__c" exists
    And contact "C1" changes in Salesforce:
      | Tier__c |
      | Gold    |
    And the data source has synced
    And 20 minutes pass
    And the data source has synced
    When the Contact field "Tier__c" is selected
    And the data source backfills
    Then the person holding contact "C1" has:
      | field       | value |
      | tier        | Gold  |
    And the CDP has 1 person
