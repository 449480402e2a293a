"""Who may call which operation: the documented role matrix, enforced by every resolver.

A test enumerates the live schema, so an operation missing here fails the suite.
"""

from __future__ import annotations

from api.auth import STAFF, Role

EVERYONE = frozenset(Role)
ADMIN = frozenset({Role.ADMIN})
# a partner's back office, or the house supervisor recording a partner's answer given on paper
PARTNER_SIDE = frozenset({Role.PARTNER, Role.SUPERVISOR})

STAFF_AND_OVERSIGHT = frozenset(
    {Role.ADMIN, Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.GOVERNANCE}
)

ACCESS: dict[str, frozenset[Role]] = {
    # houses, agents, catalogue, delegations (house staff: their own house only)
    "houses": STAFF_AND_OVERSIGHT,
    "house": STAFF_AND_OVERSIGHT,
    "agents": STAFF_AND_OVERSIGHT,
    "catalogue": EVERYONE,
    "delegations": STAFF_AND_OVERSIGHT,
    "delegationsExpiring": STAFF_AND_OVERSIGHT,
    "mayPerform": STAFF_AND_OVERSIGHT,
    "registerHouse": ADMIN,
    "addCounter": ADMIN,
    "openCounter": frozenset({Role.ADMIN, Role.AGENT}),
    "closeCounter": frozenset({Role.ADMIN, Role.AGENT, Role.SUPERVISOR}),
    "addServiceLine": ADMIN,
    "changeServiceLine": ADMIN,
    "setOpeningHours": ADMIN,
    "addLocalHoliday": ADMIN,
    "enrollAgent": ADMIN,
    "accreditAgent": ADMIN,
    "revokeAccreditation": ADMIN,
    "deactivateAgent": ADMIN,
    "publishService": ADMIN,
    "changeServiceFee": ADMIN,
    "withdrawService": ADMIN,
    "grantDelegation": ADMIN,
    "amendDelegation": ADMIN,
    "suspendDelegation": ADMIN,
    "reinstateDelegation": ADMIN,
    "renewDelegation": ADMIN,
    "revokeDelegation": ADMIN,
    # citizens: every read of personal data names a purpose and is recorded
    "registerCitizen": STAFF,
    "findCitizen": STAFF | ADMIN,
    "citizen": STAFF | ADMIN | frozenset({Role.PARTNER}),
    "mandates": STAFF | ADMIN | frozenset({Role.AUDITOR}),
    "grantMandate": STAFF,
    "revokeMandate": STAFF,
    "eraseCitizen": ADMIN,
    "purposes": STAFF_AND_OVERSIGHT,
    "personalDataAccesses": frozenset({Role.ADMIN, Role.AUDITOR}),
    # the counter's queue (house staff: their own house)
    "queue": STAFF | ADMIN,
    "issueTicket": STAFF,
    "callNextTicket": STAFF,
    "recallTicket": STAFF,
    "markNoShow": STAFF,
    "parkTicket": STAFF,
    "resumeTicket": STAFF,
    "recycleTicket": STAFF,
    "transferTicket": STAFF,
    "recordWalkAway": STAFF,
    "endVisit": STAFF,
    # contacts and requests (house staff: their house; a partner user: its own partner)
    "recordContact": STAFF,
    "lodgeRequest": STAFF,
    "completeRequest": STAFF,
    "forwardRequest": STAFF,
    "resubmitRequest": STAFF,
    "withdrawRequest": STAFF,
    "acknowledgeRequest": PARTNER_SIDE,
    "returnForCorrection": PARTNER_SIDE,
    "recordPartnerDecision": PARTNER_SIDE,
    "request": STAFF | ADMIN | frozenset({Role.AUDITOR, Role.PARTNER}),
    "requestByReceipt": STAFF | ADMIN | frozenset({Role.AUDITOR, Role.PARTNER}),
    "requests": STAFF | ADMIN | frozenset({Role.AUDITOR}),
    "partnerInbox": PARTNER_SIDE,
    "citizenFiles": STAFF | ADMIN,
    # queries
    "partners": EVERYONE,
    "partner": EVERYONE,
    "position": EVERYONE,
    "events": frozenset({Role.ADMIN, Role.AUDITOR}),
    # mutations
    "registerPartner": ADMIN,
    "renamePartner": ADMIN,
    # subscriptions
    "partnersChanged": EVERYONE,
    # payments (house staff: their own house; a refund is approved by the supervisor)
    "billInquiry": STAFF,
    "payments": STAFF | frozenset({Role.ADMIN, Role.AUDITOR}),
    "collections": STAFF_AND_OVERSIGHT,
    "pendingPayments": STAFF | frozenset({Role.ADMIN, Role.AUDITOR}),
    "initiatePayment": STAFF,
    "recordCashPayment": STAFF,
    "cancelPayment": STAFF,
    "requestRefund": STAFF,
    "approveRefund": frozenset({Role.SUPERVISOR}),
    "settlePayment": STAFF,
}
