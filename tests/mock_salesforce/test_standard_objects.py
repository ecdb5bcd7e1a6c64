"""Standard objects generated from the data file: real fields, real describe keys, derived values."""
import json

import pytest

from mock_salesforce import errors
from mock_salesforce.backend import derived, dml
from mock_salesforce.backend.schema import Schema
from mock_salesforce.backend.soql import engine
from mock_salesforce.backend.standard_objects import definition, standard_objects

# The key sets of a real describe (v61.0, Airbyte's recorded sandbox shape; v42.0 grouparoo's
# Developer Edition recording has the same set without aiPredictionField and
# formulaTreatNullNumberAsZero).
FIELD_KEYS = set("""aggregatable aiPredictionField autoNumber byteLength calculated calculatedFormula
cascadeDelete caseSensitive compoundFieldName controllerName createable custom defaultValue
defaultValueFormula defaultedOnCreate dependentPicklist deprecatedAndHidden digits
displayLocationInDecimal encrypted externalId extraTypeInfo filterable filteredLookupInfo
formulaTreatNullNumberAsZero groupable highScaleNumber htmlFormatted idLookup inlineHelpText label
length mask maskType name nameField namePointing nillable permissionable picklistValues
polymorphicForeignKey precision queryByDistance referenceTargetField referenceTo relationshipName
relationshipOrder restrictedDelete restrictedPicklist scale searchPrefilterable soapType sortable
type unique updateable writeRequiresMasterRead""".split())
OBJECT_KEYS = set("""actionOverrides activateable associateEntityType associateParentEntity
childRelationships compactLayoutable createable custom customSetting deepCloneable
defaultImplementation deletable deprecatedAndHidden extendedBy extendsInterfaces feedEnabled fields
hasSubtypes implementedBy implementsInterfaces isInterface isSubtype keyPrefix label labelPlural
layoutable listviewable lookupLayoutable mergeable mruEnabled name namedLayoutInfos
networkScopeFieldName queryable recordTypeInfos replicateable retrieveable searchLayoutable
searchable sobjectDescribeOption supportedScopes triggerable undeletable updateable urls""".split())
GLOBAL_KEYS = OBJECT_KEYS - set("""actionOverrides childRelationships compactLayoutable
defaultImplementation extendedBy extendsInterfaces fields implementedBy implementsInterfaces
listviewable lookupLayoutable namedLayoutInfos networkScopeFieldName recordTypeInfos
searchLayoutable sobjectDescribeOption supportedScopes""".split())


@pytest.fixture(scope="module")
def schema():
    return Schema(standard_objects())


def fields(schema, name):
    return {f["name"]: f for f in schema.get(name).describe("v61.0")["fields"]}


def test_describes_carry_exactly_the_keys_real_orgs_send(schema):
    for sobject in schema.objects():
        body = sobject.describe("v61.0")
        assert set(body) == OBJECT_KEYS, sobject.name
        assert set(sobject.summary("v61.0")) == GLOBAL_KEYS, sobject.name
        for entry in body["fields"]:
            assert set(entry) == FIELD_KEYS, (sobject.name, entry["name"])
        assert list(body) == sorted(body)  # the API lists keys alphabetically


# Keys of a v61.0 describe that grouparoo's v42.0 recording does not have.
LATER_OBJECT_KEYS = set("""associateEntityType associateParentEntity deepCloneable
defaultImplementation extendedBy extendsInterfaces implementedBy implementsInterfaces
isInterface""".split())
LATER_FIELD_KEYS = {"aiPredictionField", "formulaTreatNullNumberAsZero"}


@pytest.mark.parametrize("version, object_gone, field_gone, record_type_gone", [
    ("v42.0", LATER_OBJECT_KEYS, LATER_FIELD_KEYS, {"developerName"}),
    ("v49.0", {"associateEntityType", "associateParentEntity"}, set(), set()),
    ("v50.0", set(), set(), set())])
def test_describe_keys_follow_the_api_version(schema, version, object_gone, field_gone,
                                              record_type_gone):
    body = schema.get("Account").describe(version)
    assert set(body) == OBJECT_KEYS - object_gone
    assert set(schema.get("Account").summary(version)) == GLOBAL_KEYS - object_gone
    assert set(body["fields"][0]) == FIELD_KEYS - field_gone
    assert "developerName" not in body["recordTypeInfos"][0] if record_type_gone else \
        body["recordTypeInfos"][0]["developerName"] == "Master"


@pytest.mark.parametrize("sobject, expected", [
    ("Account", {"MasterRecordId": "reference", "LastViewedDate": "datetime",
                 "LastReferencedDate": "datetime", "PhotoUrl": "url", "Jigsaw": "string",
                 "JigsawCompanyId": "string", "DunsNumber": "string", "Sic": "string",
                 "SicDesc": "string", "Ownership": "picklist", "TickerSymbol": "string",
                 "YearStarted": "string", "NaicsCode": "string", "Tradestyle": "string",
                 "CleanStatus": "picklist", "AccountSource": "picklist", "Rating": "picklist",
                 "Site": "string", "BillingGeocodeAccuracy": "picklist"}),
    ("Contact", {"OtherAddress": "address", "OtherStreet": "textarea", "OtherLatitude": "double",
                 "AssistantName": "string", "AssistantPhone": "phone",
                 "IsEmailBounced": "boolean", "EmailBouncedReason": "string",
                 "EmailBouncedDate": "datetime", "IndividualId": "reference",
                 "ReportsToId": "reference", "Jigsaw": "string"}),
    ("Opportunity", {"IsPrivate": "boolean", "FiscalYear": "int", "FiscalQuarter": "int",
                     "Fiscal": "string", "ForecastCategory": "picklist",
                     "ForecastCategoryName": "picklist", "Pricebook2Id": "reference",
                     "ExpectedRevenue": "currency", "HasOpportunityLineItem": "boolean"}),
    ("Event", {"IsReminderSet": "boolean", "ReminderDateTime": "datetime",
               "RecurrenceType": "picklist", "RecurrenceInterval": "int",
               "RecurrenceStartDateTime": "datetime", "ShowAs": "picklist"}),
    ("Task", {"IsHighPriority": "boolean", "RecurrenceRegeneratedType": "picklist",
              "CallType": "picklist", "TaskSubtype": "picklist", "AccountId": "reference"}),
    ("Lead", {"MasterRecordId": "reference", "IsUnreadByOwner": "boolean",
              "GeocodeAccuracy": "picklist", "CompanyDunsNumber": "string"}),
    ("Campaign", {"NumberOfConvertedLeads": "int", "AmountWonOpportunities": "currency"}),
    ("CampaignMember", {"LeadOrContactId": "reference", "CompanyOrAccount": "string"}),
    ("User", {"LocaleSidKey": "picklist", "ProfileId": "reference", "UserType": "picklist"}),
    ("Organization", {"TrialExpirationDate": "datetime", "OrganizationType": "picklist",
                      "InstanceName": "string", "IsSandbox": "boolean",
                      "NamespacePrefix": "string", "DefaultLocaleSidKey": "picklist",
                      "LanguageLocaleKey": "picklist", "TimeZoneSidKey": "picklist",
                      "Division": "string", "Address": "address", "PrimaryContact": "string",
                      "FiscalYearStartMonth": "int", "UsesStartDateAsFiscalYearName": "boolean",
                      "ReceivesInfoEmails": "boolean", "UiSkin": "picklist",
                      "IsReadOnly": "boolean", "SystemModstamp": "datetime"}),
])
def test_objects_have_their_real_standard_fields(schema, sobject, expected):
    described = fields(schema, sobject)
    assert {name: described[name]["type"] for name in expected if name in described} == expected


def test_contact_fields_match_the_recorded_developer_edition_describe(schema):
    """Values from grouparoo's recording of a real org's Contact describe (v42.0)."""
    contact = fields(schema, "Contact")
    country, latitude = contact["OtherCountry"], contact["OtherLatitude"]
    assert (country["length"], country["byteLength"], country["compoundFieldName"]) == \
        (80, 240, "OtherAddress")
    assert (latitude["precision"], latitude["scale"], latitude["groupable"],
            latitude["soapType"]) == (18, 15, False, "xsd:double")
    accuracy = contact["OtherGeocodeAccuracy"]
    assert (accuracy["length"], accuracy["byteLength"], accuracy["restrictedPicklist"]) == \
        (40, 120, True)
    assert [p["value"] for p in accuracy["picklistValues"]][:3] == ["Address", "NearAddress",
                                                                    "Block"]
    address = contact["OtherAddress"]
    assert {k: address[k] for k in ("aggregatable", "filterable", "groupable", "sortable",
                                     "queryByDistance", "createable", "updateable",
                                     "soapType")} == {
        "aggregatable": False, "filterable": True, "groupable": False, "sortable": False,
        "queryByDistance": True, "createable": False, "updateable": False,
        "soapType": "urn:address"}
    street = contact["MailingStreet"]
    assert (street["byteLength"], street["extraTypeInfo"], street["groupable"]) == \
        (765, "plaintextarea", True)
    name, first = contact["Name"], contact["FirstName"]
    assert (name["byteLength"], name["nameField"], name["idLookup"], name["nillable"],
            name["extraTypeInfo"]) == (363, True, False, False, "personname")
    assert (first["compoundFieldName"], first["permissionable"], contact["Salutation"]["length"]) \
        == ("Name", False, 40)
    assert (contact["AccountId"]["searchPrefilterable"],
            contact["MasterRecordId"]["searchPrefilterable"]) == (True, False)
    assert list(contact)[:8] == ["Id", "IsDeleted", "MasterRecordId", "AccountId", "LastName",
                                 "FirstName", "Salutation", "Name"]


def test_account_fields_match_the_recorded_developer_edition_describe(schema):
    """Values from grouparoo's recording of a real org's Account describe (v42.0)."""
    account = fields(schema, "Account")
    assert [p["value"] for p in account["Type"]["picklistValues"]] == [
        "Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller",
        "Installation Partner", "Technology Partner", "Other"]
    assert (account["Type"]["length"], account["Type"]["label"]) == (40, "Account Type")
    assert (account["ParentId"]["searchPrefilterable"], account["OwnerId"]["searchPrefilterable"],
            account["ParentId"]["label"]) == (True, False, "Parent Account ID")
    viewed = account["LastViewedDate"]
    assert (viewed["permissionable"], viewed["groupable"], viewed["createable"]) == \
        (False, False, False)
    children = {(c["childSObject"], c["field"]): c for c in
                schema.get("Account").describe("v61.0")["childRelationships"]}
    assert (children["Contact", "AccountId"]["relationshipName"],
            children["Contact", "AccountId"]["cascadeDelete"]) == ("Contacts", True)
    assert (children["Event", "WhatId"]["relationshipName"],
            children["Event", "WhatId"]["cascadeDelete"]) == ("Events", True)
    assert children["Event", "AccountId"]["relationshipName"] is None
    assert fields(schema, "Contact")["AccountId"]["cascadeDelete"] is False
    names = list(account)
    assert names.index("OwnerId") < names.index("CreatedDate") < names.index("LastActivityDate") \
        < names.index("LastViewedDate") < names.index("LastReferencedDate")


def test_polymorphic_and_picklist_details(schema):
    task = fields(schema, "Task")
    assert (task["WhatId"]["polymorphicForeignKey"], task["WhatId"]["namePointing"]) == \
        (True, True)
    assert task["OwnerId"]["referenceTo"] == ["Group", "User"]
    status = fields(schema, "Lead")["Status"]
    # A picklist's default is flagged on the value; the field's defaultValue stays null.
    assert status["defaultValue"] is None and status["defaultedOnCreate"] is True
    assert [p["value"] for p in status["picklistValues"] if p["defaultValue"]] == \
        ["Open - Not Contacted"]
    flag = fields(schema, "Contact")["DoNotCall"]
    assert (flag["nillable"], flag["defaultValue"], flag["aggregatable"]) == (False, False, False)
    description = fields(schema, "Account")["Description"]
    assert (description["filterable"], description["sortable"], description["groupable"]) == \
        (False, False, False)


def make(org, sobject, **values):
    return dml.create(org, org.sobject(sobject), values, org.first_user_id())


def record(org, soql):
    return engine.query(org, soql, False, engine.PageRequest("v59.0")).records[0]


def test_opportunity_derives_its_read_only_fields(org):
    opp = make(org, "Opportunity", Name="Big", StageName="Proposal/Price Quote",
               CloseDate="2024-08-15", Amount=1000)
    soql = (f"SELECT Probability, ExpectedRevenue, ForecastCategory, ForecastCategoryName, "
            f"FiscalYear, FiscalQuarter, Fiscal, IsPrivate, HasOpportunityLineItem, "
            f"LastViewedDate FROM Opportunity WHERE Id = '{opp}'")
    assert record(org, soql) | {"attributes": None} == {
        "attributes": None, "Probability": 75.0, "ExpectedRevenue": 750.0,
        "ForecastCategory": "Pipeline", "ForecastCategoryName": "Pipeline", "FiscalYear": 2024,
        "FiscalQuarter": 3, "Fiscal": "2024 3", "IsPrivate": False,
        "HasOpportunityLineItem": False, "LastViewedDate": None}
    dml.update(org, org.sobject("Opportunity"), opp, {"StageName": "Closed Won",
                                                      "Probability": 90}, org.first_user_id())
    after = record(org, soql)
    assert (after["Probability"], after["ExpectedRevenue"], after["ForecastCategory"]) == \
        (90.0, 900.0, "Closed")


def test_read_only_standard_fields_cannot_be_written(org):
    with pytest.raises(errors.INVALID_FIELD_FOR_INSERT_UPDATE) as raised:
        make(org, "Opportunity", Name="Big", StageName="Prospecting", CloseDate="2024-08-15",
             FiscalYear=2020)
    assert raised.value.fields == ["FiscalYear"]


def test_activity_and_member_fields_are_derived(org):
    account = make(org, "Account", Name="Acme")
    contact = make(org, "Contact", LastName="Smith", AccountId=account)
    task = make(org, "Task", Subject="Call", Priority="High", WhatId=account)
    assert record(org, f"SELECT IsHighPriority, AccountId, IsReminderSet FROM Task "
                       f"WHERE Id = '{task}'") | {"attributes": None} == {
        "attributes": None, "IsHighPriority": True, "AccountId": account,
        "IsReminderSet": False}
    campaign = make(org, "Campaign", Name="Fair")
    member = make(org, "CampaignMember", CampaignId=campaign, ContactId=contact,
                  Status="Responded")
    row = record(org, f"SELECT LeadOrContactId, Type, HasResponded, FirstRespondedDate FROM "
                      f"CampaignMember WHERE Id = '{member}'")
    assert (row["LeadOrContactId"], row["Type"], row["HasResponded"]) == (contact, "Contact", True)
    assert row["FirstRespondedDate"] is not None
    assert record(org, f"SELECT NumberOfLeads FROM Campaign WHERE Id = '{campaign}'")[
        "NumberOfLeads"] == 0


def test_the_organization_record_is_a_developer_edition_org(org):
    row = record(org, "SELECT FIELDS(ALL) FROM Organization LIMIT 1")
    admin = org.first_user_id()
    assert {k: row[k] for k in ("Id", "OrganizationType", "IsSandbox", "TrialExpirationDate",
                                "NamespacePrefix", "LanguageLocaleKey", "DefaultLocaleSidKey",
                                "FiscalYearStartMonth", "UsesStartDateAsFiscalYearName",
                                "UiSkin", "IsReadOnly", "PrimaryContact", "CreatedById")} == {
        "Id": org.id, "OrganizationType": "Developer Edition", "IsSandbox": False,
        "TrialExpirationDate": None, "NamespacePrefix": None, "LanguageLocaleKey": "en_US",
        "DefaultLocaleSidKey": "en_US", "FiscalYearStartMonth": 1,
        "UsesStartDateAsFiscalYearName": False, "UiSkin": "Theme3", "IsReadOnly": False,
        "PrimaryContact": "Admin User", "CreatedById": admin}
    assert row["Address"]["country"] == "United States"
    user = record(org, f"SELECT LocaleSidKey, ProfileId, UserType, IsActive FROM User "
                       f"WHERE Id = '{admin}'")
    assert (user["LocaleSidKey"], user["UserType"], user["IsActive"]) == ("en_US", "Standard",
                                                                          True)


def test_a_sandbox_organization_is_an_enterprise_edition_sandbox(registry):
    sandbox = registry.create_org("Acme Sandbox", sandbox=True, username="admin@acme.sandbox",
                                  password="secret")
    row = record(sandbox, "SELECT OrganizationType, IsSandbox, InstanceName FROM Organization")
    assert (row["OrganizationType"], row["IsSandbox"]) == ("Enterprise Edition", True)
    assert row["InstanceName"]


def test_every_object_names_a_rule_that_exists(schema):
    named = {o.name: o.derived for o in schema.objects() if o.derived}
    assert named == {"Contact": "person", "Lead": "person", "User": "person",
                     "Opportunity": "opportunity", "Task": "task", "Event": "event",
                     "CampaignMember": "campaignMember"}
    assert set(named.values()) <= set(derived.RULES)


def test_photo_url_is_written_from_the_new_id_where_the_data_file_says(org):
    lead = make(org, "Lead", LastName="Smith", Company="Acme")
    assert record(org, f"SELECT PhotoUrl, Name FROM Lead WHERE Id = '{lead}'")["PhotoUrl"] == \
        f"/services/images/photo/{lead}"
    # User has no such template: its photo fields stay as written.
    assert "PhotoUrl" not in org.sobject("User").fields


def test_an_object_declared_with_a_rule_gets_its_rules_without_code():
    """What adding a standard object takes: its entry (child names, cascade, derived rule)."""
    advocate = definition("Advocate", json.loads("""{
        "keyPrefix": "0Zz", "label": "Advocate", "labelPlural": "Advocates", "derived": "person",
        "fields": ["@id",
            {"name": "AccountId", "type": "reference", "referenceTo": ["Account"],
             "_children": "Advocates", "_cascadeChildren": true},
            {"name": "FirstName", "type": "string"}, {"name": "LastName", "type": "string"},
            {"name": "Name", "type": "string", "readOnly": true}, "@audit"]}"""))
    schema = Schema(standard_objects() + [advocate])
    child = schema.get("Account").child_relationship("Advocates")
    assert (child.child_sobject, child.field, child.cascade_delete) == \
        ("Advocate", "AccountId", True)
    row = {"FirstName": "Ada", "LastName": "Lovelace"}
    derived.derive(advocate, row, dict(row), None)
    assert row["Name"] == "Ada Lovelace"
