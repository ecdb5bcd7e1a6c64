"""The convergence property as a hypothesis state machine.

Random sequences of org changes — contacts and leads created, renamed, their email's case and
their phone's format changed, moved between accounts, deleted and undeleted; shared emails and
phones (merge-relevant collisions), lead conversions, new primary contact roles, Account deletes —
with clock moves and polls in between. After each poll the incrementally synced CDP is compared
with a fresh sync of the same org (``harness.compare``).

``ConvergenceMachine.configure(server, strategy, key)`` binds a machine class to a running mock
server and one cell of the merge strategy × key strategy grid.
"""
from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from .compare import History
from .harness import Org, Pair, assert_converges

EMAILS = ("ann@example.org", "bob@example.org", "cy@example.org")
PHONES = ("+61400000001", "+61400000002")
FIRST_NAMES = ("Ann", "Bob", "Cy", None)
CITIES = ("Perth", "Hobart", None)


def email_case(email: str, variant: int) -> str:
    """The same address in another case (rule 11 compares case-insensitively)."""
    return (email, email.upper(), email.capitalize())[variant % 3]


def phone_format(phone: str, variant: int) -> str:
    """The same number written another way (rule 11 compares in E.164)."""
    local = phone[3:]
    return (phone, f"+61 {local[:3]} {local[3:6]} {local[6:]}",
            f"(+61) {local[:3]}-{local[3:6]}-{local[6:]}")[variant % 3]


emails = st.one_of(st.none(), st.builds(email_case, st.sampled_from(EMAILS), st.integers(0, 2)))
phones = st.one_of(st.none(), st.builds(phone_format, st.sampled_from(PHONES), st.integers(0, 2)))


class ConvergenceMachine(RuleBasedStateMachine):
    """An org changed at random; after every poll the CDP must equal a fresh sync."""

    server: Any = None
    strategy = "overwrite"
    key = "previous-key-empty"

    @classmethod
    def configure(cls, server, strategy: str, key: str) -> type[ConvergenceMachine]:
        """A subclass bound to a mock server and one merge strategy × key strategy."""
        return type(f"Convergence_{strategy}_{key}".replace("-", "_"), (cls,),
                    {"server": server, "strategy": strategy, "key": key})

    def __init__(self) -> None:
        super().__init__()
        self.server.registry.reset()
        self.org = Org(self.server)
        self.history = History()
        self.pair: Pair | None = None
        self.steps: list[str] = []
        self.accounts: dict[str, bool] = {}   # Id → live
        self.contacts: dict[str, dict] = {}   # Id → {"live", "account"}
        self.leads: dict[str, dict] = {}      # Id → {"live", "converted"}
        self.opportunities: list[str] = []
        self.polls = 0

    def _step(self, text: str) -> None:
        self.steps.append(text)

    def _write(self, sobject: str, sf_id: str | None, values: dict[str, Any]) -> str:
        if sf_id is None:
            sf_id = self.org.create(sobject, values)
        else:
            self.org.update(sobject, sf_id, values)
        self.history.record(sobject, sf_id, values)
        return sf_id

    def live(self, kind: dict) -> list[str]:
        return sorted(i for i, state in kind.items() if state["live"])

    def editable(self) -> list[str]:
        """Live contacts and leads not converted (Salesforce refuses to edit those)."""
        return self.live(self.contacts) + [i for i in self.live(self.leads)
                                           if not self.leads[i]["converted"]]

    # --- the org -----------------------------------------------------------------------
    @initialize()
    def connect(self) -> None:
        self.pair = Pair(self.server, self.strategy, self.key)

    @rule(name=st.sampled_from(("Acme", "Globex", "acme")))
    def create_account(self, name: str) -> None:
        sf_id = self._write("Account", None, {"Name": name})
        self.accounts[sf_id] = True
        self._step(f"account {sf_id} {name!r}")

    @rule(data=st.data(), first=st.sampled_from(FIRST_NAMES), email=emails, phone=phones,
          opted_out=st.booleans(), city=st.sampled_from(CITIES))
    def create_contact(self, data, first, email, phone, opted_out, city) -> None:
        account = data.draw(st.sampled_from([None, *sorted(a for a, live in self.accounts.items()
                                                           if live)]), label="account")
        values = {"LastName": "Lee", "FirstName": first, "Email": email, "Phone": phone,
                  "HasOptedOutOfEmail": opted_out, "MailingCity": city, "AccountId": account}
        sf_id = self._write("Contact", None, values)
        self.contacts[sf_id] = {"live": True, "account": account}
        self._step(f"contact {sf_id} {values}")

    @rule(first=st.sampled_from(FIRST_NAMES), email=emails, phone=phones, opted_out=st.booleans())
    def create_lead(self, first, email, phone, opted_out) -> None:
        values = {"LastName": "Lee", "Company": "Lee Co", "FirstName": first, "Email": email,
                  "Phone": phone, "HasOptedOutOfEmail": opted_out}
        sf_id = self._write("Lead", None, values)
        self.leads[sf_id] = {"live": True, "converted": False}
        self._step(f"lead {sf_id} {values}")

    @precondition(lambda self: self.editable())
    @rule(data=st.data(), change=st.sampled_from(("first", "email", "email-case", "phone",
                                                  "phone-format", "account", "opt-out", "city")))
    def update_person(self, data, change: str) -> None:
        sf_id = data.draw(st.sampled_from(self.editable()), label="record")
        sobject = "Contact" if sf_id in self.contacts else "Lead"
        current = self.org.sf.restful(f"sobjects/{sobject}/{sf_id}")
        if change == "first":
            values = {"FirstName": data.draw(st.sampled_from(FIRST_NAMES), label="first")}
        elif change == "email":
            values = {"Email": data.draw(emails, label="email")}
        elif change == "email-case" and current["Email"]:
            values = {"Email": email_case(current["Email"].lower(), data.draw(st.integers(0, 2)))}
        elif change == "phone":
            values = {"Phone": data.draw(phones, label="phone")}
        elif change == "phone-format" and current["Phone"]:
            digits = "+" + "".join(c for c in current["Phone"] if c.isdigit())
            values = {"Phone": phone_format(digits, data.draw(st.integers(0, 2)))}
        elif change == "account" and sobject == "Contact":
            account = data.draw(st.sampled_from([None, *sorted(a for a, live in self.accounts.items()
                                                               if live)]), label="account")
            values = {"AccountId": account}
            self.contacts[sf_id]["account"] = account
        elif change == "opt-out":
            values = {"HasOptedOutOfEmail": not current["HasOptedOutOfEmail"]}
        else:
            field = "MailingCity" if sobject == "Contact" else "City"
            values = {field: data.draw(st.sampled_from(CITIES), label="city")}
        self._write(sobject, sf_id, values)
        self._step(f"update {sf_id} {values}")

    @precondition(lambda self: self.editable())
    @rule(data=st.data())
    def delete_person(self, data) -> None:
        sf_id = data.draw(st.sampled_from(self.editable()), label="record")
        kind = self.contacts if sf_id in self.contacts else self.leads
        self.org.delete("Contact" if kind is self.contacts else "Lead", sf_id)
        kind[sf_id]["live"] = False
        self._step(f"delete {sf_id}")

    @precondition(lambda self: any(self.accounts.values()))
    @rule(data=st.data())
    def delete_account(self, data) -> None:
        account = data.draw(st.sampled_from(sorted(a for a, live in self.accounts.items() if live)),
                            label="account")
        self.org.delete("Account", account)
        # The org takes the account's live contacts to the recycle bin with it (cascade delete).
        for sf_id in self.live(self.contacts):
            if self.contacts[sf_id]["account"] == account:
                self.contacts[sf_id]["live"] = False
                self.contacts[sf_id]["cascade"] = account
        self.accounts[account] = False
        self._step(f"delete account {account}")

    @precondition(lambda self: any(not s["live"] for s in self.contacts.values())
                  or any(not s["live"] for s in self.leads.values())
                  or not all(self.accounts.values()))
    @rule(data=st.data())
    def undelete(self, data) -> None:
        deleted = [i for i, s in {**self.contacts, **self.leads}.items() if not s["live"]
                   and (s.get("account") is None or self.accounts[s["account"]])]
        deleted += [a for a, live in self.accounts.items() if not live]
        if not deleted:
            return
        sf_id = data.draw(st.sampled_from(sorted(deleted)), label="record")
        self.org.undelete(sf_id)
        if sf_id in self.accounts:
            self.accounts[sf_id] = True
            for state in self.contacts.values():  # the org restores the cascade with it
                if state.get("cascade") == sf_id and not state["live"]:
                    state["live"], state["cascade"] = True, None
        else:
            (self.contacts if sf_id in self.contacts else self.leads)[sf_id]["live"] = True
        self._step(f"undelete {sf_id}")

    @precondition(lambda self: any(s["live"] and not s["converted"] for s in self.leads.values()))
    @rule(data=st.data())
    def convert_lead(self, data) -> None:
        lead = data.draw(st.sampled_from([i for i in self.live(self.leads)
                                          if not self.leads[i]["converted"]]), label="lead")
        account = data.draw(st.sampled_from([None, *sorted(a for a, live in self.accounts.items()
                                                           if live)]), label="account")
        result = self.org.convert(lead, account)
        self.leads[lead]["converted"] = True
        self.accounts[result["accountId"]] = True
        self.contacts[result["contactId"]] = {"live": True, "account": result["accountId"]}
        contact = self.org.sf.restful(f"sobjects/Contact/{result['contactId']}")
        self.history.record("Contact", result["contactId"], contact)
        account_row = self.org.sf.restful(f"sobjects/Account/{result['accountId']}")
        self.history.record("Account", result["accountId"], account_row)
        self._step(f"convert {lead} → {result}")

    @precondition(lambda self: self.live(self.contacts))
    @rule(data=st.data(), new=st.booleans())
    def primary_contact_role(self, data, new: bool) -> None:
        contact = data.draw(st.sampled_from(self.live(self.contacts)), label="contact")
        if new or not self.opportunities:
            opportunity = self.org.create("Opportunity", {
                "Name": f"Deal {len(self.opportunities)}", "StageName": "Prospecting",
                "CloseDate": "2030-01-01"})
            self.opportunities.append(opportunity)
        else:
            opportunity = data.draw(st.sampled_from(self.opportunities), label="opportunity")
        self.org.create("OpportunityContactRole", {"OpportunityId": opportunity,
                                                   "ContactId": contact, "IsPrimary": True})
        self.history.roles[opportunity] = contact
        self._step(f"primary role {opportunity} → {contact}")

    @rule(seconds=st.sampled_from((1, 61, 3600)))
    def advance_clock(self, seconds: int) -> None:
        self.org.advance(seconds)
        self._step(f"clock +{seconds}s")

    @rule()
    def poll(self) -> None:
        self.pair.poll()
        self.polls += 1
        self._step("poll")
        assert_converges(self.pair, self.history, self.steps)

    def teardown(self) -> None:
        """A last poll and comparison, so every sequence ends checked; then clean up."""
        if self.pair is None:
            return
        try:
            if self.steps and self.steps[-1] != "poll":
                self.poll()
        finally:
            self.pair.close()
