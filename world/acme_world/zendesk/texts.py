"""What support tickets say: subjects, descriptions and replies per category (static lists)."""

from __future__ import annotations

#: category -> (subjects, descriptions, priority weights low/normal/high/urgent, ticket types)
CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[int, int, int, int]]] = {
    "billing": (
        (
            "Question about my invoice",
            "Charged twice this month?",
            "Need a VAT number on invoices",
            "Update billing email",
            "Refund request",
            "Card declined but we have funds",
        ),
        (
            "Hi, our last invoice looks higher than expected. Can you explain the charges?",
            "We were charged twice for the same period. Please check and refund the duplicate.",
            "Please add our VAT number to future invoices.",
            "Can you send invoices to our accounts payable mailbox instead?",
        ),
        (25, 63, 11, 1),
    ),
    "bug": (
        (
            "Dashboard not loading",
            "Export fails with error 500",
            "Data missing since yesterday",
            "Sync stuck for hours",
            "Wrong numbers in weekly report",
            "API returns 429 constantly",
        ),
        (
            "Since this morning the dashboard shows a spinner forever. Tried two browsers.",
            "Exporting to CSV fails with an internal server error every time.",
            "Records created yesterday do not show up in the app.",
            "Our nightly sync has been running for 6 hours and is still not done.",
        ),
        (12, 60, 24, 4),
    ),
    "outage": (
        ("URGENT: platform down", "Cannot log in - whole team blocked", "Production outage", "All API calls failing"),
        (
            "Nobody on our team can log in since 10 minutes. This is blocking our operations.",
            "Every API request returns 503. Our production is down.",
            "The app is completely unavailable for us. Please help ASAP.",
        ),
        (0, 10, 45, 45),
    ),
    "how_to": (
        (
            "How do I add a user?",
            "Question about permissions",
            "Setting up SSO",
            "Best way to import data",
            "How to configure webhooks",
        ),
        (
            "How can I give a colleague read-only access?",
            "We want to set up SAML SSO with Okta. Is there a guide?",
            "What is the recommended way to import 50k records?",
        ),
        (35, 60, 5, 0),
    ),
    "account": (
        ("Upgrade our plan", "Add more seats", "Cancel subscription", "Change account owner", "Locked out of account"),
        (
            "We would like to upgrade to the next plan. What are the steps?",
            "Please add 10 more seats to our subscription.",
            "Our admin left the company, how do we transfer ownership?",
        ),
        (22, 62, 14, 2),
    ),
    "feature_request": (
        (
            "Feature request: dark mode",
            "Would love an API for reports",
            "Request: audit log export",
            "Can you support SCIM?",
        ),
        ("It would be great if we could export the audit log to our SIEM.", "Any plans to support SCIM provisioning?"),
        (60, 38, 2, 0),
    ),
}
CATEGORY_WEIGHTS: dict[str, int] = {
    "billing": 22,
    "bug": 28,
    "outage": 4,
    "how_to": 24,
    "account": 14,
    "feature_request": 8,
}
TYPES_BY_CATEGORY: dict[str, tuple[tuple[str | None, int], ...]] = {
    "billing": (("question", 60), ("task", 15), (None, 25)),
    "bug": (("incident", 65), ("problem", 15), ("question", 10), (None, 10)),
    "outage": (("incident", 70), ("problem", 30)),
    "how_to": (("question", 85), (None, 15)),
    "account": (("task", 50), ("question", 40), (None, 10)),
    "feature_request": (("question", 40), ("task", 10), (None, 50)),
}
PRODUCT_AREAS: tuple[str, ...] = ("dashboard", "api", "integrations", "billing_portal", "sso", "reporting", "mobile")

AGENT_REPLIES: tuple[str, ...] = (
    "Thanks for reaching out! I'm looking into this now and will get back to you shortly.",
    "Thanks for the details. Could you send us a screenshot and the time this happened?",
    "I've reproduced the issue and passed it to our engineers.",
    "Could you confirm which workspace this is about?",
    "Here is a link to the guide that covers this: https://help.acmecloud.com/hc/articles/360001",
)
CUSTOMER_REPLIES: tuple[str, ...] = (
    "Thanks, attached are the details you asked for.",
    "Still happening on our side.",
    "Any update on this?",
    "That worked, thank you!",
    "We need this fixed today please.",
    "Please see the screenshot.",
)
SOLVE_REPLIES: tuple[str, ...] = (
    "Glad we could help! I'm marking this ticket as solved; just reply if anything comes up.",
    "The fix has been deployed. Please let us know if you still see the issue.",
    "I've made the change on your account. Have a great day!",
)
ESCALATION_NOTES: tuple[str, ...] = (
    "Escalating to Tier 2: customer impact confirmed.",
    "Escalated to engineering (JIRA OPS-{n}).",
    "Customer is a strategic account, escalating per CSM request.",
)
HOLD_NOTES: tuple[str, ...] = (
    "Waiting on engineering fix, putting on hold.",
    "On hold until the vendor replies.",
)
RATING_COMMENTS_GOOD: tuple[str | None, ...] = ("Quick and helpful, thanks!", "Great support", None, None)
RATING_COMMENTS_BAD: tuple[str | None, ...] = ("Took way too long.", "Issue not really solved.", None)
