Feature: Connecting to a Salesforce production org or sandbox
  On the Connect to Salesforce page the "Salesforce sandbox" box is cleared by default, for a
  production org. For a sandbox (a Salesforce staging environment) the user checks it, and the
  login and Allow pages then come from Salesforce's sandbox login host instead of the production
  one. Each login host turns away the other kind's users at the login page.

  # Rule 50: a sandbox is connected with the box checked.
  @control_plane
  Scenario: A sandbox connects with "Salesforce sandbox" checked
    Given Salesforce org UAT is a sandbox
    And Salesforce org UAT has these contacts:
      | ref | last name | email   |
      | S1  | Lee       | l@x.org |
    When data source UAT is connected with "Salesforce sandbox" checked
    And data source UAT syncs
    Then data source UAT is "Connected"
    And the person holding contact "S1" has:
      | field     | value   |
      | last name | Lee     |
      | email     | l@x.org |

  # Rule 50: a production org is connected with the box cleared.
  Scenario: A production org connects with "Salesforce sandbox" cleared
    Given Salesforce org A has these contacts:
      | ref | last name | email   |
      | C1  | Kim       | k@x.org |
    When data source A is connected with "Salesforce sandbox" cleared
    And data source A syncs
    Then data source A is "Connected"
    And the CDP has 1 person

  # Rule 50: the wrong login host refuses the user, as Salesforce's login page does.
  @control_plane
  Scenario Outline: A <kind> connected with "Salesforce sandbox" <box> is refused at the login page
    Given Salesforce org X is a <kind>
    When the user tries to connect data source X with "Salesforce sandbox" <box>
    Then Salesforce refuses the login with "Please check your username and password"
    And data source X is "Not connected"

    Examples:
      | kind           | box     |
      | sandbox        | cleared |
      | production org | checked |
