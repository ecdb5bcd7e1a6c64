Feature: Ongoing sync every 15 minutes
  After the initial sync, Salesforce data is merged into the CDP approximately every 15 minutes.
  The scheduler wakes up often and polls each connected data source whose last poll started at
  least one poll interval ago, so every data source keeps its own cadence. The interval is a
  setting (15 minutes by default).

  # Rule 35.
  @control_plane
  Scenario: A data source polled at 10:00 is polled again at 10:15, not at 10:10
    Given the time is 10:00
    And Salesforce has these contacts:
      | ref | last name | email   |
      | C1  | Lee       | l@x.org |
    And the data source is connected
    When the scheduler runs
    Then the scheduler polled the data source
    And the CDP has 1 person
    When 5 minutes pass
    And Salesforce has these contacts:
      | ref | last name | email   |
      | C2  | Kim       | k@x.org |
    And 5 minutes pass
    And the scheduler runs
    Then the scheduler polled no data source
    And the CDP has 1 person
    When 5 minutes pass
    And the scheduler runs
    Then the scheduler polled the data source
    And the CDP has 2 people

  # Rule 35: the interval is configurable.
  @control_plane
  Scenario: With a 30-minute interval the data source is polled every 30 minutes
    Given the data source syncs every 30 minutes
    And the time is 10:00
    And the data source is connected
    And the scheduler has run
    When 15 minutes pass
    And the scheduler runs
    Then the scheduler polled no data source
    When 15 minutes pass
    And the scheduler runs
    Then the scheduler polled the data source

  # Rule 35 with two connected orgs: each data source has its own cadence.
  @control_plane
  Scenario: Two data sources each keep their own cadence
    Given a second Salesforce org B
    And the time is 10:00
    And data source A is connected
    And the scheduler has run
    And 5 minutes pass
    And data source B is connected
    When the scheduler runs
    Then the scheduler polled only data source B
    When 10 minutes pass
    And the scheduler runs
    Then the scheduler polled only data source A
    When 5 minutes pass
    And the scheduler runs
    Then the scheduler polled only data source B
    When 15 minutes pass
    And the scheduler runs
    Then the scheduler polled data sources A and B

  # Rules 35 and 46: a disconnected data source is not polled.
  @control_plane
  Scenario: The scheduler does not poll a disconnected data source
    Given the time is 10:00
    And the data source is connected
    And the scheduler has run
    When the data source is disconnected
    And 15 minutes pass
    And the scheduler runs
    Then the scheduler polled no data source
