@control_plane
Feature: Custom objects and Set identifiers
  Any additional objects detected in Salesforce are presented in the Custom objects section.
  Where the CDP cannot automatically link identifiers to a custom object, Set identifiers
  determines how the object is linked to contact fields or other objects: by a Relationship to a
  parent object (which has contact fields), or by a Unique identifier such as email. A custom
  object without a reference to a contact or lead can still create contacts by its Unique
  identifier. An object such as Organization can be synced as an organization or as a contact.

  Background:
    Given Salesforce has these contacts:
      | ref | last name | email   | LeadSource    |
      | C1  | Web       | w@x.org | Web           |
      | C2  | Phone     | p@x.org | Phone Inquiry |
    And Salesforce has the custom object "Membership__c" with these fields:
      | field     | type      | references |
      | Level__c  | string    |            |
      | Member__c | reference | Contact    |
    And these Membership__c records are in Salesforce:
      | ref | Level__c | Member__c |
      | M1  | Gold     | C1        |
      | M2  | Silver   | C2        |

  # Rule 53: a reference field to Contact finds the person by the contact's hidden id.
  Scenario: Records linked to people by a relationship to Contact
    Given the custom object "Membership__c" is synced with its field Level__c, linked to people by the relationship Member__c
    When the data source syncs
    Then the CDP has these Membership__c records:
      | ref | person  | Level__c | deleted |
      | M1  | w@x.org | Gold     | false   |
      | M2  | p@x.org | Silver   | false   |
    And the CDP has 2 people

  # A record whose contact is not synced is kept unlinked, and linked once the contact is.
  Scenario: A record waits for its contact to be synced
    Given only contacts whose LeadSource is "Web" are synced
    And the custom object "Membership__c" is synced with its field Level__c, linked to people by the relationship Member__c
    When the data source syncs
    Then the sync reports for Membership__c:
      | outcome                   | count |
      | stored                    | 2     |
      | waiting for their contact | 1     |
    When 20 minutes pass
    And contact "C2" changes in Salesforce:
      | LeadSource |
      | Web        |
    And the data source syncs
    Then the CDP has these Membership__c records:
      | ref | person  | Level__c |
      | M1  | w@x.org | Gold     |
      | M2  | p@x.org | Silver   |
    And the sync reports for Membership__c:
      | outcome                | count |
      | linked to their person | 1     |

  # Rule 53: a relationship to a parent object that has contact fields (here an email).
  Scenario: Records linked through a parent object that has contact fields
    Given Salesforce has the custom object "Attendee__c" with these fields:
      | field    | type  |
      | Email__c | email |
    And Salesforce has the custom object "Ticket__c" with these fields:
      | field       | type      | references  |
      | Seat__c     | string    |             |
      | Attendee__c | reference | Attendee__c |
    And these Attendee__c records are in Salesforce:
      | ref | Email__c |
      | A1  | W@X.org  |
      | A2  | —        |
    And these Ticket__c records are in Salesforce:
      | ref | Seat__c | Attendee__c |
      | T1  | 12A     | A1          |
      | T2  | 12B     | A2          |
    And the custom object "Ticket__c" is synced with its field Seat__c, linked to people by the relationship Attendee__r.Email__c, matching their email
    When the data source syncs
    Then the CDP has these Ticket__c records:
      | ref | person  | Seat__c |
      | T1  | w@x.org | 12A     |
      | T2  | —       | 12B     |
    And the sync reports for Ticket__c:
      | outcome               | count |
      | stored                | 2     |
      | without an identifier | 1     |

  # The seed's NOTE: a Unique identifier can create contacts — the Contact selective-sync
  # criteria filter contacts, not the people a custom object identifies.
  Scenario: A unique identifier creates the person, even one the contact criteria exclude
    Given Salesforce has the custom object "Subscription__c" with these fields:
      | field    | type   |
      | Plan__c  | string |
      | Email__c | email  |
    And these Subscription__c records are in Salesforce:
      | ref | Plan__c | Email__c  |
      | S1  | Pro     | p@x.org   |
      | S2  | Basic   | new@x.org |
    And only contacts whose LeadSource is "Web" are synced
    And the custom object "Subscription__c" is synced with its field Plan__c, linked to people by the unique identifier Email__c, matching their email, creating people
    When the data source syncs
    Then no person holds contact "C2"
    And the CDP has 3 people
    And the CDP has these Subscription__c records:
      | ref | person    | Plan__c |
      | S1  | p@x.org   | Pro     |
      | S2  | new@x.org | Basic   |
    And the sync reports for Subscription__c:
      | outcome        | count |
      | people created | 2     |

  Scenario: A unique identifier does not create people when that is switched off
    Given Salesforce has the custom object "Subscription__c" with these fields:
      | field    | type   |
      | Plan__c  | string |
      | Email__c | email  |
    And these Subscription__c records are in Salesforce:
      | ref | Plan__c | Email__c  |
      | S1  | Pro     | P@x.org   |
      | S2  | Basic   | new@x.org |
    And the custom object "Subscription__c" is synced with its field Plan__c, linked to people by the unique identifier Email__c, matching their email, not creating people
    When the data source syncs
    Then the CDP has 2 people
    And the CDP has these Subscription__c records:
      | ref | person  | Plan__c |
      | S1  | p@x.org | Pro     |
      | S2  | —       | Basic   |
    And the sync reports for Subscription__c:
      | outcome         | count |
      | matching nobody | 1     |
      | people created  | 0     |

  # Rule 53: an object such as Organization, which has no contacts, synced as an organization.
  Scenario: An organization-like custom object synced as an organization
    Given Salesforce has the custom object "Company__c" with these fields:
      | field     | type   |
      | Name      | string |
      | Region__c | string |
      | Email__c  | email  |
    And these Company__c records are in Salesforce:
      | ref | Name                | Region__c | Email__c            |
      | O1  | Rainy Day Insurance | APAC      | hello@rainy.example |
    And the custom object "Company__c" is synced as an organization:
      | Salesforce field | CDP field |
      | Name             | name      |
      | Region__c        | region    |
    When the data source syncs
    Then the organization holding record "O1" has:
      | field         | value               |
      | name          | Rainy Day Insurance |
      | region        | APAC                |
    And the CDP has 2 people

  # ... or as a contact.
  Scenario: An organization-like custom object synced as a person
    Given Salesforce has the custom object "Company__c" with these fields:
      | field     | type   |
      | Name      | string |
      | Region__c | string |
      | Email__c  | email  |
    And these Company__c records are in Salesforce:
      | ref | Name                | Region__c | Email__c            |
      | O1  | Rainy Day Insurance | APAC      | Hello@Rainy.example |
    And the custom object "Company__c" is synced as a person:
      | Salesforce field | CDP field |
      | Name             | last name |
      | Email__c         | email     |
      | Region__c        | region    |
    When the data source syncs
    Then the person holding record "O1" has:
      | field         | value               |
      | last name     | Rainy Day Insurance |
      | email         | hello@rainy.example |
      | region        | APAC                |
    And the CDP has 3 people
    And the CDP has 0 organizations named "Rainy Day Insurance"

  # Rules 53 and 30: a custom object's own selective-sync conditions choose its records.
  Scenario: Only the custom records that meet their object's conditions are synced
    Given the custom object "Membership__c" is synced with its field Level__c, linked to people by the relationship Member__c
    And only Membership__c records whose Level__c is "Gold" are synced
    When the data source syncs
    Then the CDP has these Membership__c records:
      | ref | person  | Level__c |
      | M1  | w@x.org | Gold     |
    And the CDP has 2 people

  # Rule 30: each object's conditions apply on their own — the contact conditions do not stop a
  # custom object's unique identifier from creating a person; the object's own conditions do.
  Scenario: A custom object's own conditions decide which of its records create people
    Given Salesforce has the custom object "Subscription__c" with these fields:
      | field    | type   |
      | Plan__c  | string |
      | Email__c | email  |
    And these Subscription__c records are in Salesforce:
      | ref | Plan__c | Email__c  |
      | S1  | Pro     | p@x.org   |
      | S2  | Basic   | new@x.org |
    And only contacts whose LeadSource is "Web" are synced
    And the custom object "Subscription__c" is synced with its field Plan__c, linked to people by the unique identifier Email__c, matching their email, creating people
    And only Subscription__c records whose Plan__c is "Pro" are synced
    When the data source syncs
    Then no person holds contact "C2"
    And the CDP has 2 people
    And the CDP has these Subscription__c records:
      | ref | person  | Plan__c |
      | S1  | p@x.org | Pro     |

  # Rules 53 and 32: an object synced as people is auto-archived by its own conditions.
  Scenario: A custom object synced as people is auto-archived when a record stops meeting its conditions
    Given Salesforce has the custom object "Company__c" with these fields:
      | field     | type   |
      | Name      | string |
      | Region__c | string |
      | Email__c  | email  |
    And these Company__c records are in Salesforce:
      | ref | Name                | Region__c | Email__c            |
      | O1  | Rainy Day Insurance | APAC      | hello@rainy.example |
    And "Auto-archive contacts that no longer meet the criteria" is selected
    And the custom object "Company__c" is synced as a person:
      | Salesforce field | CDP field |
      | Name             | last name |
      | Email__c         | email     |
      | Region__c        | region    |
    And only Company__c records whose Region__c is "APAC" are synced
    And the data source has synced
    When the Company__c record "O1" changes in Salesforce:
      | Region__c |
      | EMEA      |
    And the data source syncs
    Then the person with email "hello@rainy.example" is archived

  # Rule 39 for custom objects: a deleted record is kept in the CDP, flagged deleted.
  Scenario: A custom record deleted in Salesforce
    Given the custom object "Membership__c" is synced with its field Level__c, linked to people by the relationship Member__c
    And the data source has synced
    When the Membership__c record "M1" is deleted in Salesforce
    And the data source syncs
    Then the CDP has these Membership__c records:
      | ref | person  | Level__c | deleted |
      | M1  | w@x.org | Gold     | true    |
      | M2  | p@x.org | Silver   | false   |
    And the sync reports for Membership__c:
      | outcome | count |
      | deleted | 1     |
    And the person with email "w@x.org" is not archived

  # Rule 44: an object the org does not have is skipped with its reason; the rest syncs.
  Scenario: A configured custom object the org does not have is skipped
    Given the custom object "Invoice__c" is synced with its field Amount__c, linked to people by the unique identifier Email__c, matching their email
    When the data source syncs
    Then the data source is "Connected" with a note saying "Invoice__c skipped: not in the org"
    And the CDP has 2 people
