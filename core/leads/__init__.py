"""Leads as a sales team sees them: one read model of a contact (`Lead`), the lists and lookups the
Slack surfaces and the CLI show, and a person setting a contact's stage."""

from core.leads.export import HEADER, count_contacts, export_contacts
from core.leads.export_requests import (
    ExportStatus,
    LeadExport,
    export_failed,
    export_finished,
    export_started,
    get_export,
    request_export,
)
from core.leads.model import Lead, inbox_link
from core.leads.queries import find_leads, get_lead, hottest_leads, leads_by_id, leads_in_stage, resolve_stage
from core.leads.stage import StageRefused, accept_suggestion, set_stage

__all__ = [
    "HEADER",
    "ExportStatus",
    "Lead",
    "LeadExport",
    "StageRefused",
    "accept_suggestion",
    "count_contacts",
    "export_contacts",
    "export_failed",
    "export_finished",
    "export_started",
    "find_leads",
    "get_export",
    "get_lead",
    "hottest_leads",
    "leads_by_id",
    "inbox_link",
    "leads_in_stage",
    "request_export",
    "resolve_stage",
    "set_stage",
]
