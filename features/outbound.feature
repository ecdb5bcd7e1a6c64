Feature: Sending CDP activity to Salesforce
  The integration is read only until the admin chooses up to 20 CDP activities to sync to
  Salesforce; each occurrence then becomes a completed Task on the person's contact or lead,
  sent separately from the inbound sync.

  # Rule 49.
  Scenario: A chosen activity becomes a completed task on the contact, once
    Given "email-opened" is chosen to sync to Salesforce
    And Salesforce has these contacts:
      | ref | last name | email   |
      | C1  | Lee       | l@x.org |
    And the data source has synced
    And the CDP records "email-opened" for the person with email "l@x.org"
    And the CDP records "page-viewed" for the person with email "l@x.org"
    When the chosen activities are sent to Salesforce
    And the chosen activities are sent to Salesforce
    Then contact "C1" has 1 completed task "email-opened" in Salesforce
    And contact "C1" has 0 completed tasks "page-viewed" in Salesforce

  Scenario: A 21st activity type is refused
    When 21 activities are chosen to sync to Salesforce
    Then the configuration is refused, mentioning "20"
