"""A realistic demo org made with faker: accounts and their contacts, leads, opportunities with
primary contact roles, campaigns with members, and tasks. The same ``random_seed`` gives the same org.
"""
from __future__ import annotations

import random
from collections.abc import Callable

from . import dml_batch
from .standard_objects import LEAD_SOURCES, STAGES

# A dozen of the real Industry values: the same draws (and so the same demo org) as before the
# picklist grew to Salesforce's full list.
INDUSTRIES = ["Agriculture", "Banking", "Education", "Energy", "Finance", "Healthcare",
              "Insurance", "Manufacturing", "Media", "Retail", "Technology", "Other"]


SeedProgress = Callable[[int, int], None]
"""Called as ``progress(accounts_done, accounts_total)`` while a demo org is made."""

CHUNK = 500  # accounts made (with their contacts, leads, …) per step: progress moves at this pace


def seed_org(org, accounts: int, user_id: str, random_seed: int = 1,
             progress: SeedProgress | None = None) -> dict[str, int]:
    """Create ``accounts`` accounts with 1–4 contacts each and proportionate other records."""
    from faker import Faker  # imported here: faker costs ~0.1 s, and most runs never seed
    fake = Faker()
    Faker.seed(random_seed)
    rng = random.Random(random_seed)
    made: dict[str, int] = {}

    def create(name: str, bodies: list[dict]) -> list[str]:
        made[name] = made.get(name, 0) + len(bodies)
        return dml_batch.bulk_create(org, org.sobject(name), bodies, user_id) if bodies else []

    campaign_ids = create("Campaign", [{
        "Name": f"{fake.catch_phrase()}"[:80], "Type": rng.choice(["Webinar", "Email", "Conference"]),
        "Status": "In Progress", "IsActive": True} for _ in range(max(1, accounts // 10))])
    if progress:
        progress(0, accounts)
    for done in range(0, accounts, CHUNK):
        size = min(CHUNK, accounts - done)
        _seed_chunk(create, fake, rng, size, campaign_ids)
        if progress:
            progress(done + size, accounts)
    return made


def _seed_chunk(create, fake, rng: random.Random, accounts: int, campaign_ids: list[str]) -> None:
    """``accounts`` accounts with their contacts, and as many leads, opportunities, members, tasks."""
    account_ids = create("Account", [{
        "Name": fake.unique.company(), "Industry": rng.choice(INDUSTRIES),
        "Type": rng.choice(["Prospect", "Customer - Direct", "Partner"]),
        "Website": f"https://www.{fake.domain_name()}", "Phone": fake.phone_number()[:40],
        "NumberOfEmployees": rng.randint(5, 5000), "AnnualRevenue": rng.randint(1, 500) * 100000,
        "BillingCity": fake.city(), "BillingCountry": fake.country()[:80],
        "BillingPostalCode": fake.postcode(), "BillingStreet": fake.street_address(),
    } for _ in range(accounts)])
    contact_bodies, contact_accounts = [], []
    for account_id in account_ids:
        for _ in range(rng.randint(1, 4)):
            first, last = fake.first_name(), fake.last_name()
            contact_bodies.append({
                "AccountId": account_id, "FirstName": first, "LastName": last,
                "Email": f"{first}.{last}.{rng.randint(1, 99999)}@{fake.free_email_domain()}".lower(),
                "Phone": fake.phone_number()[:40], "Title": fake.job()[:128],
                "LeadSource": rng.choice(LEAD_SOURCES), "MailingCity": fake.city(),
                "HasOptedOutOfEmail": rng.random() < 0.1})
            contact_accounts.append(account_id)
    contact_ids = create("Contact", contact_bodies)
    create("Lead", [{
        "FirstName": fake.first_name(), "LastName": fake.last_name(), "Company": fake.company(),
        "Email": fake.unique.email(), "Phone": fake.phone_number()[:40],
        "LeadSource": rng.choice(LEAD_SOURCES), "Industry": rng.choice(INDUSTRIES),
    } for _ in range(accounts)])
    opportunities = [(contact_accounts[i], contact_ids[i])
                     for i in rng.sample(range(len(contact_ids)), k=min(len(contact_ids), accounts))]
    opportunity_ids = create("Opportunity", [{
        "AccountId": account_id, "Name": f"{fake.bs().title()}"[:120],
        "StageName": rng.choice(STAGES), "CloseDate": fake.date_between("-1y", "+1y").isoformat(),
        "Amount": rng.randint(1, 200) * 1000,
    } for account_id, _ in opportunities])
    create("OpportunityContactRole", [{
        "OpportunityId": opportunity_id, "ContactId": contact_id, "IsPrimary": True,
        "Role": "Decision Maker"} for opportunity_id, (_, contact_id) in zip(opportunity_ids, opportunities)])
    members = rng.sample(contact_ids, k=min(len(contact_ids), accounts))
    create("CampaignMember", [{"CampaignId": rng.choice(campaign_ids), "ContactId": contact_id,
                               "Status": rng.choice(["Sent", "Responded"])} for contact_id in members])
    create("Task", [{"WhoId": contact_id, "Subject": rng.choice(["Call", "Send Quote", "Other"]),
                     "Status": rng.choice(["Completed", "Not Started"]),
                     "ActivityDate": fake.date_between("-60d", "+30d").isoformat()}
                    for contact_id in rng.sample(contact_ids, k=min(len(contact_ids), accounts))])
