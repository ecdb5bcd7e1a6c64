Feature: Email and SMS permissions of people from Salesforce
  New contacts are subscribed to email and unsubscribed from SMS unless the mapped Salesforce
  fields say otherwise. A person who was already in the CDP before Salesforce keeps their
  permissions, mapped or not; the people Salesforce adds follow later changes of the mapped
  fields. An unsubscribe made in the CDP always wins.

  # Rule 18, default: nothing mapped.
  Scenario: A new person is subscribed to email and not to SMS
    Given Salesforce has these contacts:
      | ref | last name | email   |
      | C1  | Lee       | l@x.org |
    When the data source syncs
    Then the person holding contact "C1" has:
      | field            | value |
      | email permission | true  |
      | sms permission   | false |

  # Rule 18, mapped: the Salesforce field carries the "value for false".
  Scenario: A contact who opted out of email arrives unsubscribed
    Given the email permission is set from the Salesforce field "HasOptedOutOfEmail", subscribed when it is false
    And Salesforce has these contacts:
      | ref | last name | email   | opted out of email |
      | C1  | Lee       | l@x.org | true               |
      | C2  | Kim       | k@x.org | false              |
    When the data source syncs
    Then the person holding contact "C1" has:
      | field            | value |
      | email permission | false |
    And the person holding contact "C2" has:
      | field            | value |
      | email permission | true  |

  # Rule 19: without a mapping, an existing person's permission stays as it is.
  Scenario: An existing person's permissions are not changed without a mapping
    Given the CDP already has these people:
      | email   | first name |
      | l@x.org | Lee        |
    And the person with email "l@x.org" unsubscribes from email in the CDP
    And Salesforce has these contacts:
      | ref | last name | email   |
      | C1  | Lee       | l@x.org |
    When the data source syncs
    Then the person holding contact "C1" has:
      | field            | value |
      | email permission | false |

  # Rule 19 as the seed words it: a mapping does not change the permissions of a person who was
  # already in the CDP.
  Scenario: A person already in the CDP keeps their permissions even with a mapping
    Given the email permission is set from the Salesforce field "HasOptedOutOfEmail", subscribed when it is false
    And the CDP already has these people:
      | email   | first name |
      | l@x.org | Lee        |
    And Salesforce has these contacts:
      | ref | last name | email   | opted out of email |
      | C1  | Lee       | l@x.org | true               |
    When the data source syncs
    Then the person holding contact "C1" has:
      | field            | value |
      | email permission | true  |
    When contact "C1" changes in Salesforce:
      | opted out of email |
      | false              |
    And the person with email "l@x.org" unsubscribes from email in the CDP
    And contact "C1" changes in Salesforce:
      | opted out of email |
      | true               |
    And the data source syncs
    Then the person holding contact "C1" has:
      | field            | value |
      | email permission | false |

  # Rule 19: the people Salesforce adds follow later changes of the mapped field.
  Scenario: A person added from Salesforce follows later changes of the mapped permission
    Given the email permission is set from the Salesforce field "HasOptedOutOfEmail", subscribed when it is false
    And Salesforce has these contacts:
      | ref | last name | email   | opted out of email |
      | C1  | Lee       | l@x.org | false              |
    And the data source has synced
    When contact "C1" changes in Salesforce:
      | opted out of email |
      | true               |
    And the data source syncs
    Then the person holding contact "C1" has:
      | field            | value |
      | email permission | false |
    When contact "C1" changes in Salesforce:
      | opted out of email |
      | false              |
    And the data source syncs
    Then the person holding contact "C1" has:
      | field            | value |
      | email permission | true  |

  # Rule 20: a CDP unsubscribe wins over Salesforce's "subscribed".
  Scenario: Salesforce never re-subscribes someone who unsubscribed in the CDP
    Given the email permission is set from the Salesforce field "HasOptedOutOfEmail", subscribed when it is false, with "Update the CDP from Salesforce"
    And Salesforce has these contacts:
      | ref | last name | email   | opted out of email |
      | C1  | Lee       | l@x.org | false              |
    And the data source has synced
    And the person with email "l@x.org" unsubscribes from email in the CDP
    When contact "C1" changes in Salesforce:
      | title |
      | CTO   |
    And the data source syncs
    Then the person holding contact "C1" has:
      | field            | value |
      | email permission | false |

  # Rule 21: a one-way-out mapping never reads Salesforce values.
  Scenario: "Update Salesforce from the CDP" ignores Salesforce's value
    Given the email permission is set from the Salesforce field "HasOptedOutOfEmail", subscribed when it is false, with "Update Salesforce from the CDP"
    And Salesforce has these contacts:
      | ref | last name | email   | opted out of email |
      | C1  | Lee       | l@x.org | true               |
    When the data source syncs
    Then the person holding contact "C1" has:
      | field            | value |
      | email permission | true  |
