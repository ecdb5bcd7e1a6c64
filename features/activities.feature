Feature: Activities from opportunities and tasks
  Opportunities become activities of the person in their primary contact role; the first import
  brings the last 90 days of activity.

  Background:
    Given Salesforce has these accounts:
      | ref | name   |
      | A   | Globex |
    And Salesforce has these contacts:
      | ref | last name | email   | account |
      | C1  | Lee       | l@x.org | A       |

  # Rule 22.
  Scenario: An opportunity reaches the person in its primary contact role only
    Given opportunity "O1" for account "A"
    And contact "C1" is the primary contact of opportunity "O1"
    And opportunity "O2" for account "A"
    When the data source syncs
    Then the person holding contact "C1" has 1 opportunity activity
    And the person holding contact "C1" has a opportunity activity "Deal O1"
    And the sync reports for Opportunity:
      | outcome                          | count |
      | skipped, no primary contact role | 1     |

  # Rule 23: a primary role added later associates the opportunity at the next poll.
  Scenario: A primary contact role added later associates the opportunity
    Given opportunity "O1" for account "A"
    And the data source has synced
    When contact "C1" is made the primary contact of opportunity "O1"
    And the data source syncs
    Then the person holding contact "C1" has 1 opportunity activity

  # Rule 24: the initial import covers 90 days of activity.
  @control_plane
  Scenario: The first sync imports only the last 90 days of tasks
    Given contact "C1" has a task "Recent call" created 10 days ago
    And contact "C1" has a task "Ancient call" created 120 days ago
    When the data source syncs
    Then the person holding contact "C1" has 1 task activity
    And the person holding contact "C1" has a task activity "Recent call"

  # Rule 25: activities older than the retention period are pruned.
  @control_plane
  Scenario: Activities past the retention period are not kept
    Given the data retention period is 30 days
    And contact "C1" has a task "Last week" created 7 days ago
    And contact "C1" has a task "Six weeks ago" created 42 days ago
    When the data source syncs
    Then the person holding contact "C1" has 1 task activity
    And the person holding contact "C1" has a task activity "Last week"

  # Rule 56: Salesforce person fields and activity attributes in Liquid merge tags.
  Scenario: A message template uses Salesforce fields and activity attributes
    Given opportunity "O1" for account "A"
    And contact "C1" is the primary contact of opportunity "O1"
    And the data source has synced
    When the template is rendered for "l@x.org":
      """
      Hello {{ people.last-name }} from {{ organization.name }}: {{ activity.opportunity.Name }} is at {{ activity.opportunity.StageName }}.
      """
    Then the message reads "Hello Lee from Globex: Deal O1 is at Prospecting."
