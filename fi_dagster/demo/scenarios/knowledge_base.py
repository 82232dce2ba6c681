"""The help-center articles the RAG route retrieves from, and claims no article makes.

Sentences avoid inner periods (no decimals, abbreviations or URLs) so that splitting an answer
on ``.``/``!``/``?`` yields exactly the sentences it was built from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Topic:
    """One help-center topic: its main article, a related one and how users ask about it."""

    key: str
    article: tuple[str, ...]
    related: tuple[str, ...]
    questions: tuple[str, ...]


def content_words(text: str) -> set[str]:
    """Lowercase alphanumeric words of four or more characters (what grounding compares)."""
    return {w for w in _WORD.findall(text.lower()) if len(w) >= 4}


def support(sentence: str, context_words: set[str]) -> float:
    """The share of a sentence's content words that also appear in the context."""
    words = content_words(sentence)
    return len(words & context_words) / len(words) if words else 1.0


TOPICS = (
    Topic(
        "password_reset",
        (
            "To reset your password, open the sign-in page and choose Forgot password.",
            "Nimbus emails a reset link that stays valid for 30 minutes.",
            "The new password must contain at least 12 characters including one number.",
            "Accounts that use single sign-on must reset the password through their identity "
            "provider instead.",
        ),
        (
            "Administrators can force a password reset for any member from the Members page "
            "of the admin console.",
            "A forced reset signs the member out of every device within five minutes.",
        ),
        (
            "How do I reset my password?",
            "I forgot my password, what should I do?",
            "How long is the password reset link valid?",
        ),
    ),
    Topic(
        "billing_cycle",
        (
            "Nimbus bills workspaces monthly or annually on the date the subscription started.",
            "Annual plans receive a discount of 20 percent compared with monthly billing.",
            "Invoices are emailed to the billing contact and are also available under Billing "
            "settings.",
            "Changing plans in the middle of a cycle creates a prorated charge on the next "
            "invoice.",
        ),
        (
            "Nimbus accepts credit cards and bank transfers for annual plans above 50 seats.",
            "Failed card payments are retried three times over seven days before the workspace "
            "becomes read only.",
        ),
        (
            "When will I be billed?",
            "Is there a discount for paying annually?",
            "What happens if I switch plans in the middle of the month?",
        ),
    ),
    Topic(
        "data_export",
        (
            "Workspace owners can export all files and comments from the Data export settings.",
            "Exports are packaged as ZIP archives and a download link is emailed when the "
            "archive is ready.",
            "Large workspaces may take up to 24 hours to finish exporting.",
            "Download links expire after seven days.",
        ),
        (
            "Individual projects can be exported to PDF or CSV from the project menu.",
            "Exported CSV files include task titles, assignees, due dates and status columns.",
        ),
        (
            "How can I export all of our data?",
            "How long does a workspace export take?",
            "Can I download a backup of everything in our workspace?",
        ),
    ),
    Topic(
        "single_sign_on",
        (
            "Single sign-on is available on the Business and Enterprise plans.",
            "Nimbus supports SAML with Okta, Microsoft Entra and Google Workspace.",
            "After single sign-on is enforced, members can no longer sign in with a password.",
            "Administrators should keep one owner account outside single sign-on as a recovery "
            "path.",
        ),
        (
            "SCIM provisioning creates and deactivates Nimbus accounts automatically when people "
            "join or leave the company.",
            "SCIM requires the Enterprise plan and a verified company domain.",
        ),
        (
            "Does Nimbus support SSO with Okta?",
            "Which plans include single sign-on?",
            "How do we set up SAML login for our team?",
        ),
    ),
    Topic(
        "api_rate_limits",
        (
            "The Nimbus REST API allows 600 requests per minute for each access token.",
            "Requests above the limit receive status 429 with a Retry-After header.",
            "Bulk endpoints count as a single request regardless of how many records they change.",
            "Enterprise customers can ask support to raise the limit to 3000 requests per minute.",
        ),
        (
            "Access tokens are created under Developer settings and can be scoped to read or "
            "write permissions.",
            "Tokens that are unused for 90 days are revoked automatically.",
        ),
        (
            "What is the API rate limit?",
            "Why am I getting 429 errors from the API?",
            "Can the API request limit be raised?",
        ),
    ),
    Topic(
        "storage_limits",
        (
            "The Free plan includes 5 GB of storage for the whole workspace.",
            "The Team plan includes 1 TB and the Business plan includes unlimited storage.",
            "A single uploaded file can be at most 15 GB.",
            "Files in the trash still count toward storage until the trash is emptied.",
        ),
        (
            "Deleted files stay in the trash for 30 days before they are permanently removed.",
            "Owners can restore any deleted file from the trash during that period.",
        ),
        (
            "How much storage do we get?",
            "What is the maximum file size I can upload?",
            "Why is our storage still full after deleting files?",
        ),
    ),
    Topic(
        "sharing_permissions",
        (
            "Files can be shared with people outside the workspace as guests with view, comment "
            "or edit access.",
            "Guests never see other projects unless they are invited to them.",
            "Link sharing can be limited to the workspace domain from the admin console.",
            "Every shared link can be protected with a password and an expiry date.",
        ),
        (
            "Project permissions are inherited by every file inside the project.",
            "A file owner can override inherited permissions for a single file.",
        ),
        (
            "How do I share a file with someone outside my company?",
            "Can guests see all of our projects?",
            "Can I put a password on a shared link?",
        ),
    ),
    Topic(
        "offline_mobile",
        (
            "The Nimbus mobile apps for iOS and Android can keep selected files available offline.",
            "Offline files sync automatically when the device reconnects to the internet.",
            "Edits made offline by two people at once are saved as separate versions instead "
            "of overwriting each other.",
        ),
        (
            "Push notifications for mentions and comments can be muted per project from the "
            "notification settings of the mobile app.",
        ),
        (
            "Can I use Nimbus offline on my phone?",
            "What happens to offline edits when I reconnect?",
        ),
    ),
    Topic(
        "slack_integration",
        (
            "The Slack integration posts a message to a channel whenever a task in a connected "
            "project changes status.",
            "Each project can be connected to one Slack channel from the Integrations tab.",
            "Members can create Nimbus tasks directly from a Slack message with the shortcut menu.",
        ),
        (
            "Webhooks send a signed JSON payload to your endpoint for every file, task and "
            "comment event.",
            "Failed webhook deliveries are retried with exponential backoff for up to 24 hours.",
        ),
        (
            "How do I connect Nimbus to Slack?",
            "Can I create tasks from Slack messages?",
        ),
    ),
    Topic(
        "workspace_deletion",
        (
            "Only the workspace owner can delete a workspace from the Advanced settings.",
            "Deleting a workspace removes all files, projects and members after a grace period "
            "of 14 days.",
            "During the grace period the owner can cancel the deletion and restore everything.",
            "Backups are purged from every region within 35 days of deletion.",
        ),
        (
            "Individual members can close their own account from their profile settings.",
            "Files owned by a closed account are transferred to the workspace owner.",
        ),
        (
            "How do I delete our workspace?",
            "Can a deleted workspace be restored?",
            "How long until our data is fully removed after deletion?",
        ),
    ),
    Topic(
        "version_history",
        (
            "Nimbus keeps the version history of every file for 30 days on the Team plan and "
            "for 180 days on the Business plan.",
            "Any earlier version can be previewed and restored from the file menu.",
            "Restoring a version creates a new version, so no history is lost.",
        ),
        (
            "Version history also records who made each change and when.",
            "Comments stay attached to the version in which they were written.",
        ),
        (
            "How do I restore an older version of a file?",
            "How far back does version history go?",
        ),
    ),
    Topic(
        "two_factor",
        (
            "Two-factor authentication can be turned on from the Security section of your profile.",
            "Nimbus supports authenticator apps and hardware security keys.",
            "Administrators can require two-factor authentication for every member of the "
            "workspace.",
            "Members who lose their second factor can use one of the ten backup codes issued "
            "during setup.",
        ),
        (
            "Security keys must support the FIDO2 standard to be registered.",
            "Each member can register up to five security keys.",
        ),
        (
            "How do I turn on two-factor authentication?",
            "I lost my phone, how do I get into my account?",
            "Can we require 2FA for the whole team?",
        ),
    ),
)

FABRICATED_CLAIMS = (
    "Premium customers also receive complimentary hardware shipped overnight by courier.",
    "This capability was discontinued following the Stratacom merger in 2019.",
    "Brazilian customers must additionally fax a notarized consent form to headquarters.",
    "Our quantum vault replicates everything onto lunar servers twice daily.",
    "A loyalty bonus of 500 reward points gets credited each Friday.",
    "Legacy tenants created before 2015 are exempt regardless of region.",
    "Approval from a regional compliance officer is mandatory beforehand.",
    "The desktop client ships bundled with a free antivirus scanner license.",
    "Refunds for this issue are paid as gift vouchers redeemable at partner cafes.",
    "Weekend tickets are handled exclusively by the Lisbon escalation desk.",
    "Students qualify for lifetime unlimited access after verifying university enrollment.",
    "Chrome extensions translate documents into twelve languages instantly.",
)
