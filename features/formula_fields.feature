@control_plane
Feature: Formula and roll-up fields
  Salesforce does not change a record's SystemModstamp when one of its formula or roll-up
  summary fields takes a new value — for example when the account a contact's formula reads
  from changes. Polls ask Salesforce only for records whose SystemModstamp moved, so the new
  value reaches the CDP when the record itself changes next, or with a backfill — or, when the
  admin turns on the daily refresh of formula and roll-up fields (off by default), within a day.

  Background:
    Given the Salesforce contact formula field "Account_Tier__c" exists
    And the Contact field "Account_Tier__c" is selected
    And Salesforce has these contacts:
      | ref | last name | email   |
      | C1  | Lee       | l@x.org |
    And Salesforce recalculates the formula field "Account_Tier__c" of contact "C1" to "Gold"
    And 20 minutes pass
    And the data source has synced
    And Salesforce recalculates the formula field "Account_Tier__c" of contact "C1" to "Platinum"
    And 15 minutes pass

  # Rule 40.
  Scenario: A formula field's new value does not arrive at the next poll
    When the data source syncs
    Then the person holding contact "C1" has:
      | field               | value |
      | account tier        | Gold  |

  # Rule 40.
  Scenario: A formula field's new value arrives when the contact changes
    When contact "C1" changes in Salesforce:
      | title |
      | CEO   |
    And the data source syncs
    Then the person holding contact "C1" has:
      | field               | value    |
      | account tier        | Platinum |

  # Rules 40 and 34.
  Scenario: A backfill brings a formula field's new value
    When the data source backfills
    Then the person holding contact "C1" has:
      | field               | value    |
      | account tier        | Platinum |

  # Rule 40: the daily refresh is off unless the admin turns it on.
  Scenario: Without the daily refresh a formula field's new value waits, days later too
    When 2 days pass
    And the data source syncs
    Then the person holding contact "C1" has:
      | field               | value |
      | account tier        | Gold  |

  # Rule 40, optional: the daily refresh re-reads formula fields when turned on, then once a day.
  Scenario: With the daily refresh a formula field's new value arrives within a day
    Given the daily refresh of formula and roll-up fields is turned on
    When the data source syncs
    Then the person holding contact "C1" has:
      | field               | value    |
      | account tier        | Platinum |
    And the sync reports for Contact:
      | outcome                  | count |
      | formula fields refreshed | 1     |
    When Salesforce recalculates the formula field "Account_Tier__c" of contact "C1" to "Diamond"
    And 15 minutes pass
    And the data source syncs
    Then the person holding contact "C1" has:
      | field               | value    |
      | account tier        | Platinum |
    When 24 hours pass
    And the data source syncs
    Then the person holding contact "C1" has:
      | field               | value   |
      | account tier        | Diamond |
