Feature: Large first loads and backfills read through the Bulk API
  Polls ask Salesforce for what changed through its REST API. When a data source's first load,
  or a backfill, finds more than 2,000 records of an object, it reads them through one Bulk API
  2.0 query job instead, 10,000 records a page merged 2,000 at a time, and remembers after each
  2,000 where it stands.
  What the Bulk API cannot serve is always read through REST: opportunities, which come with
  their primary contact role. A mapped address or location field is read as its parts, which
  the Bulk API serves. Salesforce counts each Bulk API query job the data source
  starts in the org's daily limits. The admin can lower the 2,000.
  A query that Salesforce stops with QUERY_TIMEOUT is asked again over the older half of its
  date window, and the rest of the window follows.

  # Rule 43: more than 2,000 records in a first load → one Bulk API job.
  @control_plane
  Scenario: A first load of more than 2,000 contacts reads through one Bulk API job
    Given Salesforce has 2001 contacts
    When the data source syncs
    Then every person is there exactly once: 2001 people with 2001 distinct emails
    And Salesforce counted 1 Bulk API query job

  # Rule 43: 2,000 records or fewer → REST.
  @control_plane
  Scenario: A first load of 2,000 contacts reads through REST, not the Bulk API
    Given Salesforce has 2000 contacts
    When the data source syncs
    Then every person is there exactly once: 2000 people with 2000 distinct emails
    And Salesforce counted no Bulk API query job

  # Rule 43: incremental polls always read through REST (the one job counted is the first load's).
  @control_plane
  Scenario: Later polls read through REST, not the Bulk API, however many contacts changed
    Given the data source reads through the Bulk API above 10 rows
    And Salesforce has 20 contacts
    And the data source has synced
    When 15 contacts change their first name to "Sam" in Salesforce
    And the data source syncs
    Then 15 people have the first name "Sam"
    And Salesforce counted 1 Bulk API query job

  # Rule 43: a backfill above the threshold → one Bulk API job.
  @control_plane
  Scenario: A backfill of many contacts reads through one Bulk API job
    Given the data source reads through the Bulk API above 10 rows
    And Salesforce has 8 contacts
    And the data source has synced
    And Salesforce has 12 more contacts
    When the data source backfills
    Then every person is there exactly once: 20 people with 20 distinct emails
    And Salesforce counted 1 Bulk API query job

  # Rule 43: an object the Bulk API cannot serve (a primary contact role subquery) → REST.
  @control_plane
  Scenario: Opportunities are read through REST, not the Bulk API, however many there are
    Given the data source reads through the Bulk API above 10 rows
    And Salesforce has these accounts:
      | ref | name   |
      | A   | Globex |
    And Salesforce has these contacts:
      | ref | last name | email   | account |
      | C1  | Lee       | l@x.org | A       |
    And account "A" has 12 opportunities, 3 of them with contact "C1" as primary contact
    When the data source syncs
    Then the person holding contact "C1" has 3 opportunity activities
    And the sync reports for Opportunity:
      | outcome                          | count |
      | skipped, no primary contact role | 9     |
    And Salesforce counted no Bulk API query job

  # Rule 43: a mapped address lands as its parts — the parts mapped on their own (the default
  # mapping's MailingCity and MailingCountry) where they are, the others in fields named after
  # the address — and the parts are what the Bulk API reads.
  @control_plane
  Scenario: A mapped address lands as its parts, and its object still reads through the Bulk API
    Given the data source reads through the Bulk API above 1 rows
    And the Contact field "MailingAddress" is selected as the CDP field "mailing address"
    And the Account field "BillingAddress" is selected as the CDP field "billing address"
    And Salesforce has these accounts:
      | ref | name    | BillingStreet | BillingCity | BillingPostalCode |
      | A   | Globex  | 1 Market St   | Springfield | 97403             |
      | B   | Initech | —             | —           | —                 |
    And Salesforce has these contacts:
      | ref | last name | email   | MailingStreet | MailingCity | MailingPostalCode | MailingCountry |
      | C1  | Lee       | l@x.org | 12 High St    | Brisbane    | 4000              | Australia      |
      | C2  | Kim       | k@x.org | —             | —           | —                 | —              |
    When the data source syncs
    Then the person holding contact "C1" has:
      | field                       | value      |
      | mailing address street      | 12 High St |
      | mailing address postal code | 4000       |
      | city                        | Brisbane   |
      | country                     | Australia  |
      | mailing address             | —          |
      | mailing address city        | —          |
    And the organization holding record "A" has:
      | field                       | value       |
      | billing address street      | 1 Market St |
      | billing address city        | Springfield |
      | billing address postal code | 97403       |
      | billing address             | —           |
    And Salesforce counted 2 Bulk API query jobs

  # Rules 43 and 41: a Bulk read stopped by the API limit goes on with its next page.
  @control_plane
  Scenario: A Bulk API read stopped by the API limit resumes at its next page
    Given Salesforce has 12000 contacts
    And the org's API limit runs out just after the first page of Bulk API results
    When the data source syncs
    Then the sync stopped with "api-limit"
    And the data source is "Connected" with a note saying "API limit"
    And the CDP has 10000 people
    When the org's daily API limit resets
    And the data source syncs
    Then the sync stopped with "ok"
    And every person is there exactly once: 12000 people with 12000 distinct emails
    And Salesforce counted 1 Bulk API query job

  # Rule 43: on QUERY_TIMEOUT, halve the date window (accounts are read first, so they meet the
  # timeouts; the contacts' changes arrive all the same).
  @control_plane
  Scenario: A query that times out is asked again over half its date window
    Given Salesforce has 20 contacts
    And the data source has synced
    And 15 minutes pass
    And the data source has synced
    When 15 contacts change their first name to "Sam" in Salesforce
    And Salesforce answers the next 3 queries with QUERY_TIMEOUT
    And the data source syncs
    Then the sync stopped with "ok"
    And the sync reports for Account:
      | outcome                                     | count |
      | timed out, asked again over half the window | 3     |
    And 15 people have the first name "Sam"
    And every person is there exactly once: 20 people with 20 distinct emails
