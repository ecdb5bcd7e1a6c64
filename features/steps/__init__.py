"""Step definitions, grouped by domain noun: the Salesforce org, the data source and its settings, the CDP."""
