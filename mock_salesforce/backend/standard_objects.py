"""The standard objects the mock serves, with the fields the integration and real clients use.

Each object gets Salesforce's system fields (``Id, IsDeleted, CreatedDate, CreatedById,
LastModifiedDate, LastModifiedById, SystemModstamp`` and ``OwnerId`` where the object is owned).
Not emulated: record types beyond Master, field-level security, formula fields.
"""
from __future__ import annotations

from .schema import FieldDef as F, SObjectDef

LEAD_SOURCES = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]
INDUSTRIES = ["Agriculture", "Banking", "Education", "Energy", "Finance", "Healthcare",
              "Insurance", "Manufacturing", "Media", "Retail", "Technology", "Other"]
SALUTATIONS = ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."]
STAGES = ["Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
          "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
          "Negotiation/Review", "Closed Won", "Closed Lost"]
LEAD_STATUSES = ["Open - Not Contacted", "Working - Contacted", "Closed - Converted",
                 "Closed - Not Converted"]
TASK_STATUSES = ["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"]


def ref(name: str, *targets: str, relationship: str | None = None, **kw) -> F:
    """A reference field; its relationship name is the field name without ``Id``."""
    return F(name, "reference", reference_to=list(targets),
             relationship_name=relationship or name.removesuffix("Id"), **kw)


def pick(name: str, values: list[str], **kw) -> F:
    """A picklist field."""
    return F(name, "picklist", picklist_values=values, **kw)


def address(prefix: str) -> list[F]:
    """A compound address field and its component fields."""
    compound = f"{prefix}Address"
    parts = [F(f"{prefix}Street", "textarea", compound_field_name=compound),
             F(f"{prefix}City", "string", length=40, compound_field_name=compound),
             F(f"{prefix}State", "string", length=80, compound_field_name=compound),
             F(f"{prefix}PostalCode", "string", length=20, compound_field_name=compound),
             F(f"{prefix}Country", "string", length=80, compound_field_name=compound),
             F(f"{prefix}Latitude", "double", compound_field_name=compound, precision=18, scale=15),
             F(f"{prefix}Longitude", "double", compound_field_name=compound, precision=18, scale=15)]
    return parts + [F(compound, "address", createable=False, updateable=False)]


def system_fields(owned: bool) -> list[F]:
    """Fields every record has; the store sets them, clients cannot."""
    ro = {"createable": False, "updateable": False}
    fields = [F("Id", "id", nillable=False, **ro, defaulted_on_create=True),
              F("IsDeleted", "boolean", nillable=False, **ro, defaulted_on_create=True)]
    if owned:
        fields.append(ref("OwnerId", "User", relationship="Owner", nillable=False,
                          defaulted_on_create=True))
    fields += [F("CreatedDate", "datetime", nillable=False, **ro, defaulted_on_create=True),
               ref("CreatedById", "User", nillable=False, **ro, defaulted_on_create=True),
               F("LastModifiedDate", "datetime", nillable=False, **ro, defaulted_on_create=True),
               ref("LastModifiedById", "User", nillable=False, **ro, defaulted_on_create=True),
               F("SystemModstamp", "datetime", nillable=False, **ro, defaulted_on_create=True)]
    return fields


def sobject(name: str, prefix: str, fields: list[F], owned: bool = True, **kw) -> SObjectDef:
    """An object definition with the system fields first, as describe lists them."""
    system = system_fields(owned)
    ordered = system[:2] + fields + system[2:]
    return SObjectDef(name=name, key_prefix=prefix, fields={f.name: f for f in ordered}, **kw)


def person_name(required_last: bool = True) -> list[F]:
    """Salutation, first/last name and the calculated full Name."""
    return [pick("Salutation", SALUTATIONS), F("FirstName", "string", length=40),
            F("LastName", "string", length=80, nillable=not required_last),
            F("Name", "string", length=121, createable=False, updateable=False, calculated=True)]


def standard_objects() -> list[SObjectDef]:
    """Fresh definitions of every standard object (each org gets its own copies)."""
    ro = {"createable": False, "updateable": False}
    return [
        sobject("Account", "001", [
            F("Name", "string", nillable=False), ref("ParentId", "Account", relationship="Parent"),
            F("AccountNumber", "string", length=40), F("Site", "string", length=80),
            pick("Type", ["Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other"]),
            pick("Industry", INDUSTRIES), F("AnnualRevenue", "currency"),
            F("NumberOfEmployees", "int"), F("Phone", "phone"), F("Fax", "phone"),
            F("Website", "url"), F("Description", "textarea", length=32000),
            pick("Rating", ["Hot", "Warm", "Cold"]), pick("AccountSource", LEAD_SOURCES),
            *address("Billing"), *address("Shipping"), F("LastActivityDate", "date", **ro)]),
        sobject("Contact", "003", [
            ref("AccountId", "Account"), *person_name(),
            F("Email", "email", id_lookup=True), F("Phone", "phone"), F("MobilePhone", "phone"),
            F("HomePhone", "phone"), F("Fax", "phone"), F("Title", "string", length=128),
            F("Department", "string", length=80), pick("LeadSource", LEAD_SOURCES),
            F("Birthdate", "date"), ref("ReportsToId", "Contact", relationship="ReportsTo"),
            F("HasOptedOutOfEmail", "boolean", default_value=False),
            F("HasOptedOutOfFax", "boolean", default_value=False),
            F("DoNotCall", "boolean", default_value=False),
            F("Description", "textarea", length=32000), *address("Mailing"),
            F("LastActivityDate", "date", **ro)]),
        sobject("Lead", "00Q", [
            *person_name(), F("Company", "string", nillable=False),
            F("Title", "string", length=128), F("Email", "email", id_lookup=True),
            F("Phone", "phone"), F("MobilePhone", "phone"), F("Website", "url"),
            pick("Status", LEAD_STATUSES, nillable=False, default_value="Open - Not Contacted"),
            pick("LeadSource", LEAD_SOURCES), pick("Industry", INDUSTRIES),
            pick("Rating", ["Hot", "Warm", "Cold"]), F("AnnualRevenue", "currency"),
            F("NumberOfEmployees", "int"), F("Description", "textarea", length=32000),
            F("HasOptedOutOfEmail", "boolean", default_value=False),
            F("DoNotCall", "boolean", default_value=False),
            F("IsConverted", "boolean", default_value=False),
            F("ConvertedDate", "date", **ro),
            ref("ConvertedAccountId", "Account", **ro),
            ref("ConvertedContactId", "Contact", **ro),
            ref("ConvertedOpportunityId", "Opportunity", **ro), *address("")]),
        sobject("Opportunity", "006", [
            ref("AccountId", "Account"), F("Name", "string", length=120, nillable=False),
            F("Description", "textarea", length=32000),
            pick("StageName", STAGES, nillable=False, restricted_picklist=True),
            F("Amount", "currency"), F("Probability", "percent", precision=3, scale=0),
            F("CloseDate", "date", nillable=False),
            pick("Type", ["Existing Customer - Upgrade", "New Customer", "Other"]),
            F("NextStep", "string"), pick("LeadSource", LEAD_SOURCES),
            F("IsClosed", "boolean", **ro, defaulted_on_create=True),
            F("IsWon", "boolean", **ro, defaulted_on_create=True),
            ref("CampaignId", "Campaign")]),
        sobject("OpportunityContactRole", "00K", [
            ref("OpportunityId", "Opportunity", nillable=False, updateable=False),
            ref("ContactId", "Contact", nillable=False),
            pick("Role", ["Business User", "Decision Maker", "Economic Buyer", "Influencer",
                          "Technical Buyer", "Other"]),
            F("IsPrimary", "boolean", default_value=False)], owned=False),
        sobject("Campaign", "701", [
            F("Name", "string", length=80, nillable=False),
            ref("ParentId", "Campaign", relationship="Parent"),
            pick("Type", ["Conference", "Webinar", "Email", "Advertisement", "Other"]),
            pick("Status", ["Planned", "In Progress", "Completed", "Aborted"]),
            F("StartDate", "date"), F("EndDate", "date"), F("IsActive", "boolean", default_value=False),
            F("BudgetedCost", "currency"), F("ActualCost", "currency"),
            F("ExpectedRevenue", "currency"), F("Description", "textarea", length=32000),
            F("NumberOfContacts", "int", **ro), F("NumberOfLeads", "int", **ro)]),
        sobject("CampaignMember", "00v", [
            ref("CampaignId", "Campaign", nillable=False, updateable=False),
            ref("ContactId", "Contact", updateable=False), ref("LeadId", "Lead", updateable=False),
            pick("Status", ["Planned", "Sent", "Received", "Responded"], default_value="Sent"),
            F("HasResponded", "boolean", **ro, defaulted_on_create=True),
            F("FirstRespondedDate", "date", **ro)], owned=False),
        sobject("Task", "00T", [
            ref("WhoId", "Contact", "Lead", relationship="Who"),
            ref("WhatId", "Account", "Opportunity", "Campaign", relationship="What"),
            F("Subject", "combobox", picklist_values=["Call", "Send Letter", "Send Quote", "Other"]),
            F("ActivityDate", "date"),
            pick("Status", TASK_STATUSES, nillable=False, restricted_picklist=True,
                 default_value="Not Started"),
            pick("Priority", ["High", "Normal", "Low"], nillable=False, default_value="Normal"),
            pick("Type", ["Call", "Email", "Meeting", "Other"]),
            pick("TaskSubtype", ["Task", "Email", "Call"], updateable=False),
            F("Description", "textarea", length=32000),
            F("IsClosed", "boolean", **ro, defaulted_on_create=True),
            F("CompletedDateTime", "datetime", **ro),
            F("CallDurationInSeconds", "int")]),
        sobject("Event", "00U", [
            ref("WhoId", "Contact", "Lead", relationship="Who"),
            ref("WhatId", "Account", "Opportunity", "Campaign", relationship="What"),
            F("Subject", "combobox", picklist_values=["Call", "Email", "Meeting", "Other"]),
            F("Location", "string"), F("IsAllDayEvent", "boolean", default_value=False),
            F("ActivityDateTime", "datetime"), F("ActivityDate", "date"),
            F("StartDateTime", "datetime"), F("EndDateTime", "datetime"),
            F("DurationInMinutes", "int"), F("Description", "textarea", length=32000),
            pick("Type", ["Call", "Email", "Meeting", "Other"])]),
        sobject("User", "005", [
            F("Username", "string", length=80, nillable=False, unique=True, id_lookup=True),
            *person_name(), F("Email", "email", nillable=False),
            F("Alias", "string", length=8, nillable=False), F("IsActive", "boolean", default_value=True),
            F("Title", "string", length=80), F("CompanyName", "string", length=80),
            pick("TimeZoneSidKey", ["GMT", "America/Los_Angeles", "Europe/London",
                                    "Australia/Sydney"], default_value="GMT")], owned=False),
        sobject("Organization", "00D", [
            F("Name", "string", length=80, **ro), F("IsSandbox", "boolean", **ro),
            F("OrganizationType", "string", length=40, **ro),
            F("InstanceName", "string", length=5, **ro),
            F("NamespacePrefix", "string", length=15, **ro),
            # Null but on trial and scratch orgs; the sf CLI reads it after every login.
            F("TrialExpirationDate", "datetime", **ro),
            F("TimeZoneSidKey", "string", length=40, **ro), F("Country", "string", length=80, **ro)],
            owned=False, createable=False, updateable=False, deletable=False),
    ]
