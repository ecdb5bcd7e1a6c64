Feature: Merge strategies for people
  On the Merge page the admin chooses how Salesforce data merges into people who already exist
  in the CDP. "Import and merge new records only", "Import and overwrite any records that exist"
  and "Import new records only" are the append-only, overwrite and ignore strategies; the
  "existing records only" variants never create anyone.

  Background:
    Given the CDP already has these people:
      | email     | first name | last name | city  |
      | a@x.org   | Ann        |           | Perth |

  # Rule 2: append only fills empty fields and never changes a non-empty one.
  Scenario: Import and merge new records only fills in what is missing
    Given people are merged with "Import and merge new records only" and "Match only if previous merge key is empty"
    And Salesforce has these contacts:
      | ref | first name | last name | email   | city   |
      | C1  | Annie      | Archer    | a@x.org | Sydney |
    When the data source syncs
    Then the CDP has 1 person
    And the person holding contact "C1" has:
      | field      | value  |
      | first name | Ann    |
      | last name  | Archer |
      | city       | Perth  |

  # Rule 3: overwrite replaces every mapped field present, and a blank Salesforce value clears it.
  Scenario: Import and overwrite any records that exist replaces values and clears blanks
    Given people are merged with "Import and overwrite any records that exist" and "Match only if previous merge key is empty"
    And Salesforce has these contacts:
      | ref | first name | last name | email   |
      | C1  | Annie      | Archer    | a@x.org |
    When the data source syncs
    Then the CDP has 1 person
    And the person holding contact "C1" has:
      | field      | value  |
      | first name | Annie  |
      | last name  | Archer |
      | city       | —      |

  # Rule 4: ignore leaves a matched person untouched and creates the unmatched.
  Scenario: Import new records only leaves existing people untouched
    Given people are merged with "Import new records only" and "Match only if previous merge key is empty"
    And Salesforce has these contacts:
      | ref | first name | last name | email   |
      | C1  | Annie      | Archer    | a@x.org |
      | C2  | Bob        | Brown     | b@x.org |
    When the data source syncs
    Then the CDP has 2 people
    And the person with email "a@x.org" has:
      | field      | value |
      | first name | Ann   |
      | city       | Perth |
    And the sync reports for Contact:
      | outcome           | count |
      | created           | 1     |
      | left as they were | 1     |

  # Rules 1 and 5: the "existing records only" variants never create a person.
  Scenario Outline: <strategy> updates existing people and creates nobody
    Given people are merged with "<strategy>" and "Match only if previous merge key is empty"
    And Salesforce has these contacts:
      | ref | first name | last name | email   |
      | C1  | Annie      | Archer    | a@x.org |
      | C2  | Bob        | Brown     | b@x.org |
    When the data source syncs
    Then the CDP has 1 person
    And the person with email "a@x.org" has:
      | field      | value        |
      | first name | <first name> |
    And the sync reports for Contact:
      | outcome                 | count |
      | skipped, not in the CDP | 1     |
      | merged by email         | 1     |

    Examples:
      | strategy                     | first name |
      | merge-new-data-existing-only | Ann        |
      | overwrite-existing-only      | Annie      |

  # Rule 11: emails compare case-insensitively after trimming.
  Scenario: Email case and spaces do not prevent a match
    Given people are merged with "Import and overwrite any records that exist" and "Match only if previous merge key is empty"
    And Salesforce has these contacts:
      | ref | last name | email      |
      | C1  | Archer    | A@X.ORG    |
    When the data source syncs
    Then the CDP has 1 person
    And the person holding contact "C1" has:
      | field | value   |
      | email | a@x.org |

  # Rule 29: a later change in Salesforce reaches the CDP at the next poll.
  Scenario: A change in Salesforce reaches the person at the next poll
    Given people are merged with "Import and overwrite any records that exist" and "Match only if previous merge key is empty"
    And Salesforce has these contacts:
      | ref | first name | last name | email   |
      | C1  | Annie      | Archer    | a@x.org |
    And the data source has synced
    When contact "C1" changes in Salesforce:
      | title | first name |
      | CEO   | Anne       |
    And the data source syncs
    Then the person holding contact "C1" has:
      | field      | value |
      | first name | Anne  |
