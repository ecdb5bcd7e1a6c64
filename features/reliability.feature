Feature: Polls that survive API limits and flaky networks without losing a record

  # Rule 41: the poll stops when the org's API budget runs out and resumes later, with no loss.
  @control_plane
  Scenario: A poll that hits the API limit resumes without loss
    Given Salesforce has 2500 contacts
    And the data source is connected
    And the org has 6 API calls left today
    When the data source syncs
    Then the sync stopped with "api-limit"
    And the data source is "Connected" with a note saying "API limit"
    When the org's daily API limit resets
    And the data source syncs
    Then every person is there exactly once: 2500 people with 2500 distinct emails

  # Rule 41: 5xx answers are retried with backoff.
  @control_plane
  Scenario: Random server errors do not change the result
    Given Salesforce has 2500 contacts
    And Salesforce fails 20% of requests with 500
    When the data source syncs
    Then the sync stopped with "ok"
    And every person is there exactly once: 2500 people with 2500 distinct emails
