@control_plane
Feature: Two Salesforce orgs connected to one CDP
  A business may connect several Salesforce orgs — the seed's "Salesforce accounts A and B" —
  each as a data source of its own. The hidden Salesforce id is kept per data source, so the
  same person in both orgs (the same email) becomes one person who carries both hidden ids, one
  for each data source. Organizations are different: they only merge when the Salesforce
  Account Id matches, so the same company in two orgs stays two organizations.

  Background:
    Given a second Salesforce org B

  # Rule 48, under both merge-key strategies: the hidden id a person already has comes from
  # data source A, so for data source B the previous merge key is still empty (rules 7, 8, 10).
  Scenario Outline: The same person in two orgs is one person with both hidden ids, with "<key strategy>"
    Given people are merged with "Import and overwrite any records that exist" and "<key strategy>"
    And Salesforce org A has these contacts:
      | ref | first name | last name | email            |
      | JA  | John       | Smith     | john@example.org |
    And Salesforce org B has these contacts:
      | ref | first name | last name | email            | title   |
      | JB  | John       | Smith     | john@example.org | Partner |
    And data source A has synced
    When data source B syncs
    Then the CDP has 1 person
    And the person with email "john@example.org" holds contact "JA" for data source A and contact "JB" for data source B
    And the sync reports for Contact:
      | outcome         | count |
      | merged by email | 1     |

    Examples:
      | key strategy                              |
      | Merge with any key match                  |
      | Match only if previous merge key is empty |

  # Rule 10 still holds inside each org: one person never holds two hidden ids of one data
  # source under "Match only if previous merge key is empty".
  Scenario: A second contact with the same email in the same org stays a person of their own
    Given people are merged with "Import and overwrite any records that exist" and "Match only if previous merge key is empty"
    And Salesforce org A has these contacts:
      | ref | last name | email            |
      | JA  | Smith     | john@example.org |
    And Salesforce org B has these contacts:
      | ref | last name | email            |
      | JB  | Smith     | john@example.org |
      | JB2 | Smith     | john@example.org |
    And data source A has synced
    When data source B syncs
    Then the CDP has 2 people
    And contacts "JA" and "JB" are the same person
    And contacts "JB" and "JB2" are different people

  # Rules 14 and 15: the seed's Rainy Day Insurance example, with two connected orgs.
  Scenario Outline: Rainy Day Insurance in two orgs stays two organizations with "<key strategy>"
    Given organizations are merged with "Import and overwrite any records that exist" and "<key strategy>"
    And Salesforce org A has these accounts:
      | ref | name                |
      | RA  | Rainy Day Insurance |
    And Salesforce org B has these accounts:
      | ref | name                |
      | RB  | Rainy Day Insurance |
    And data source A has synced
    When data source B syncs
    Then the CDP has 2 organizations named "Rainy Day Insurance"
    And accounts "RA" and "RB" are different organizations

    Examples:
      | key strategy                              |
      | Match only if previous merge key is empty |
      | Merge with any key match                  |

  # Rules 47 and 48: deleting one org's data source removes only its hidden ids.
  Scenario: Deleting one org's data source leaves the other org's hidden id on the person
    Given people are merged with "Import and overwrite any records that exist" and "Merge with any key match"
    And Salesforce org A has these contacts:
      | ref | last name | email            |
      | JA  | Smith     | john@example.org |
    And Salesforce org B has these contacts:
      | ref | last name | email            |
      | JB  | Smith     | john@example.org |
    And data source A has synced
    And data source B has synced
    When data source B is disconnected
    And data source B is deleted
    Then the CDP has 1 person
    And the person with email "john@example.org" holds only contact "JA" for data source A
    And data source B is "Deleted"
    And data source A is "Connected"
