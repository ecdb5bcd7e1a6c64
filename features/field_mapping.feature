Feature: Fields synced into the CDP
  The admin chooses objects and their fields. Contact and its default fields are required; custom
  fields are capped at 100 for people and 50 for organizations across all objects, default
  fields not counted; "Modify system CDP fields" decides which built-in fields Salesforce updates.

  # Rule 27.
  Scenario: Contact cannot be deselected
    When the admin deselects Contact
    Then the configuration is refused, mentioning "Contact"

  # Rule 26: the caps count custom fields across every object.
  Scenario: More than 100 custom person fields are refused
    When the admin selects 60 custom fields on Contact and 41 on Lead
    Then the configuration is refused, mentioning "100"

  Scenario: Exactly 100 custom person fields are accepted
    When the admin selects 60 custom fields on Contact and 40 on Lead
    Then the configuration is accepted

  Scenario: More than 50 custom organization fields are refused
    When the admin selects 51 custom fields on Account and 0 on Lead
    Then the configuration is refused, mentioning "50"

  # Custom fields land in the person's custom fields.
  @control_plane
  Scenario: A selected custom field is synced
    Given the Salesforce contact field "Tier__c" exists
    And the Contact field "Tier__c" is selected
    And Salesforce has these contacts:
      | ref | last name | email   | Tier__c |
      | C1  | Lee       | l@x.org | Gold    |
    When the data source syncs
    Then the person holding contact "C1" has:
      | field       | value |
      | tier        | Gold  |

  # Rule 28: an unchecked system field is never updated on an existing person, but written on create.
  Scenario: Salesforce may not modify an unchecked system field
    Given only these system CDP fields may be modified: first name, last name, email
    And the CDP already has these people:
      | email   | phone        |
      | a@x.org | +61400000001 |
    And Salesforce has these contacts:
      | ref | last name | email   | phone        |
      | C1  | Lee       | a@x.org | +61400000009 |
      | C2  | Kim       | k@x.org | +61400000002 |
    When the data source syncs
    Then the person holding contact "C1" has:
      | field | value        |
      | phone | +61400000001 |
    And the person holding contact "C2" has:
      | field | value        |
      | phone | +61400000002 |

  Scenario: "Don't modify system CDP fields" keeps every built-in field
    Given "Don't modify system CDP fields" is chosen
    And the CDP already has these people:
      | email   | first name |
      | a@x.org | Ann        |
    And Salesforce has these contacts:
      | ref | first name | last name | email   |
      | C1  | Annie      | Lee       | a@x.org |
    When the data source syncs
    Then the person holding contact "C1" has:
      | field      | value |
      | first name | Ann   |

  # Rule 29: a newly mapped field is not retroactive.
  @control_plane
  Scenario: A newly selected field shows only after the record changes
    Given the Salesforce contact field "Tier__c" exists
    And Salesforce has these contacts:
      | ref | last name | email   | Tier__c |
      | C1  | Lee       | l@x.org | Gold    |
    And the data source has synced
    And 20 minutes pass
    And the data source has synced
    And 20 minutes pass
    When the Contact field "Tier__c" is selected
    And the data source syncs
    Then the person holding contact "C1" has:
      | field       | value |
      | tier        | —     |
    When contact "C1" changes in Salesforce:
      | Tier__c  |
      | Platinum |
    And the data source syncs
    Then the person holding contact "C1" has:
      | field       | value    |
      | tier        | Platinum |

  # Rule 44: the field list is fetched before each poll, so a field created later is picked up.
  @control_plane
  Scenario: A custom field created in Salesforce after connecting is picked up
    Given the Contact field "Tier__c" is selected
    And Salesforce has these contacts:
      | ref | last name | email   |
      | C1  | Lee       | l@x.org |
    And the data source has synced
    And the sync reported Contact fields missing in Salesforce: Tier__c
    When the Salesforce contact field "Tier__c" exists
    And contact "C1" changes in Salesforce:
      | Tier__c |
      | Gold    |
    And the data source syncs
    Then the person holding contact "C1" has:
      | field       | value |
      | tier        | Gold  |

  # Rules 52 and 54: default objects are pre-selected and may be deselected; leads become people.
  Scenario: Leads are synced as people unless Lead is deselected
    Given Salesforce has these leads:
      | ref | last name | company | email     |
      | L1  | Kim       | Initech | kim@x.org |
    And Salesforce has these contacts:
      | ref | last name | email   |
      | C1  | Lee       | l@x.org |
    When the data source syncs
    Then the CDP has 2 people
    And the person holding lead "L1" has:
      | field | value     |
      | email | kim@x.org |

  Scenario: A deselected object is not synced
    Given Lead is deselected
    And Salesforce has these leads:
      | ref | last name | company | email     |
      | L1  | Kim       | Initech | kim@x.org |
    When the data source syncs
    Then the CDP has 0 people
