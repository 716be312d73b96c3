"""The demo MSP's cast: calendars, SLA profiles, categories, clients, people.

Plain data, so the README's tables and the tests can read the same source. The targets
named by the seed are fixed; the others are our "sensible values", documented in the
README (section "Demo data").
"""

from __future__ import annotations

from msp_tui.engine.vocabulary import BillingType, Role, Tier

BUSINESS_HOURS = "Business hours (New York)"
ALWAYS_OPEN = "24/7 (UTC)"
ON_CALL = "24/7 on-call (New York)"

# name -> (tz, always_open, weekly windows, holidays country)
CALENDARS: dict[str, tuple[str, bool, dict[str, list[list[str]]], str | None]] = {
    BUSINESS_HOURS: (
        "America/New_York",
        False,
        {str(d): [["08:00", "18:00"]] for d in range(5)},
        "US",
    ),
    ALWAYS_OPEN: ("UTC", True, {}, None),
    ON_CALL: ("America/New_York", True, {}, None),
}

# Targets: "30m", "4h", "2bd" (business days), "nbd" (next business day).
# profile -> (calendar, description, {priority: (response, resolution, update, calendar)})
PROFILES: dict[str, tuple[str, str, dict[str, tuple[str, str, str | None, str | None]]]] = {
    "Platinum": (
        ALWAYS_OPEN,
        "24/7 coverage for critical clients",
        {
            "P1": ("30m", "4h", "30m", None),
            "P2": ("1h", "8h", "2h", None),
            "P3": ("4h", "24h", "8h", None),
            "P4": ("8h", "72h", None, None),
        },
    ),
    "Gold": (
        BUSINESS_HOURS,
        "Business hours, with P1 on the 24/7 on-call rota",
        {
            "P1": ("1h", "8h", "1h", ON_CALL),
            "P2": ("2h", "2bd", "4h", None),
            "P3": ("8h", "3bd", "1bd", None),
            "P4": ("2bd", "5bd", None, None),
        },
    ),
    "Standard": (
        BUSINESS_HOURS,
        "Business hours only",
        {
            "P1": ("4h", "nbd", "4h", None),
            "P2": ("8h", "3bd", "1bd", None),
            "P3": ("2bd", "5bd", None, None),
            "P4": ("3bd", "10bd", None, None),
        },
    ),
}

CATEGORIES: dict[str, list[str]] = {
    "Network & Connectivity": [
        "Internet outage",
        "VPN access issue",
        "Firewall configuration",
        "Wireless connectivity",
    ],
    "End-User Support": ["Hardware", "Software", "Printing & peripherals", "Account & password"],
    "Cloud & Server Management": [
        "Server outage",
        "Microsoft 365",
        "Backup & recovery",
        "Virtual machines",
    ],
    "Cybersecurity Incidents": [
        "Phishing",
        "Malware & ransomware",
        "Compromised account",
        "Suspicious activity",
    ],
    "Billing & Account Queries": ["Invoice question", "Contract change", "License true-up"],
}

# (name, email, role, tier, on_call, active, groups)
TECHNICIANS: list[tuple[str, str, Role, Tier, bool, bool, list[str]]] = [
    ("Alex Morgan", "alex.morgan@demo-msp.example", Role.TECHNICIAN, Tier.TIER1, False, True,
     ["General Support"]),
    ("Priya Shah", "priya.shah@demo-msp.example", Role.TECHNICIAN, Tier.TIER1, False, True,
     ["General Support"]),
    ("Sam Lee", "sam.lee@demo-msp.example", Role.TECHNICIAN, Tier.TIER2, True, True,
     ["Tier 2", "General Support"]),
    ("Morgan Diaz", "morgan.diaz@demo-msp.example", Role.TECHNICIAN, Tier.TIER2, False, True,
     ["Network Team", "Tier 2"]),
    ("Jordan Blake", "jordan.blake@demo-msp.example", Role.TECHNICIAN, Tier.SENIOR, True, True,
     ["Senior Tech", "Network Team"]),
    ("Casey Nguyen", "casey.nguyen@demo-msp.example", Role.TECHNICIAN, Tier.SENIOR, False, True,
     ["Security Team", "Senior Tech"]),
    ("Avery Kim", "avery.kim@demo-msp.example", Role.TECHNICIAN, Tier.TIER1, False, True,
     ["Account Managers"]),
    ("Taylor Reed", "taylor.reed@demo-msp.example", Role.TEAM_LEAD, Tier.SENIOR, False, True,
     ["Senior Tech", "General Support"]),
    ("Riley Chen", "riley.chen@demo-msp.example", Role.OPERATIONS_MANAGER, Tier.SENIOR, False,
     True, []),
    ("Drew Patel", "drew.patel@demo-msp.example", Role.DIRECTOR, Tier.SENIOR, False, True, []),
    ("Jamie Fox", "jamie.fox@demo-msp.example", Role.ADMIN, Tier.TIER2, False, True, []),
    ("Chris Old", "chris.old@demo-msp.example", Role.TECHNICIAN, Tier.TIER1, False, False,
     ["General Support"]),
]

# group -> lead (technician name)
GROUPS: dict[str, str | None] = {
    "Senior Tech": "Taylor Reed",
    "Tier 2": "Sam Lee",
    "Security Team": "Casey Nguyen",
    "Network Team": "Jordan Blake",
    "Account Managers": "Avery Kim",
    "General Support": "Taylor Reed",
}

# (name, profile, billing, vip, portal, domains,
#  contacts [(name, local part, phone, authorized, terminated)], assets [(host, upn local, kind)])
# What an hour of billable work costs each kind of contract (Fixed Monthly: work outside
# the agreement's scope, when a technician marks it billable).
HOURLY_RATE_CENTS: dict[BillingType, int] = {
    BillingType.TIME_AND_MATERIALS: 15_000,
    BillingType.HYBRID: 12_500,
    BillingType.FIXED_MONTHLY: 14_000,
}

# Satisfaction answers to the surveys of closed tickets: weights per rating, and the
# comments some customers add.
CSAT_RATINGS: list[tuple[int, int]] = [(5, 46), (4, 30), (3, 12), (2, 8), (1, 4)]
CSAT_ANSWER_SHARE = 0.6
CSAT_COMMENTS: dict[int, list[str]] = {
    5: ["Fixed before I finished my coffee.", "Very friendly and quick, thank you!"],
    4: ["Good, but I had to chase once.", "Sorted, thanks."],
    3: ["It works now, took a while though."],
    2: ["Nobody told me it was fixed.", "Second time this month."],
    1: ["Three days without email. Not good enough."],
}

CLIENTS: list[tuple[str, str | None, BillingType, bool, bool, list[str],
                    list[tuple[str, str, str, bool, bool]], list[tuple[str, str, str]]]] = [
    ("Northwind Health", "Platinum", BillingType.FIXED_MONTHLY, True, True,
     ["northwind-health.example"],
     [("Dr. Elena Ruiz", "elena.ruiz", "+1 212 555 0101", True, False),
      ("Marcus Hale", "marcus.hale", "+1 212 555 0102", True, False),
      ("Front Desk", "frontdesk", "+1 212 555 0100", False, False)],
     [("NWH-DC01", "", "server"), ("NWH-FW01", "", "firewall"),
      ("NWH-LT-ERUIZ", "elena.ruiz", "laptop")]),
    ("Contoso Legal", "Platinum", BillingType.HYBRID, False, True, ["contoso-legal.example"],
     [("Hannah Cole", "hannah.cole", "+1 646 555 0111", True, False),
      ("Ivan Petrov", "ivan.petrov", "+1 646 555 0112", True, False)],
     [("CL-FS01", "", "server"), ("CL-WS-HCOLE", "hannah.cole", "workstation")]),
    ("Fabrikam Manufacturing", "Gold", BillingType.FIXED_MONTHLY, False, False,
     ["fabrikam.example", "fabrikam-mfg.example"],
     [("Greg Owens", "greg.owens", "+1 973 555 0121", True, False),
      ("Lisa Tran", "lisa.tran", "+1 973 555 0122", True, False),
      ("Plant Floor", "plantfloor", "+1 973 555 0120", False, False)],
     [("FAB-ERP01", "", "server"), ("FAB-SW-CORE", "", "switch"),
      ("FAB-LT-GOWENS", "greg.owens", "laptop")]),
    ("Tailspin Logistics", "Gold", BillingType.TIME_AND_MATERIALS, False, True,
     ["tailspin.example"],
     [("Nora Quinn", "nora.quinn", "+1 201 555 0131", True, False),
      ("Victor Shaw", "victor.shaw", "+1 201 555 0132", False, True)],
     [("TSL-VPN01", "", "firewall"), ("TSL-LT-NQUINN", "nora.quinn", "laptop")]),
    ("Adatum Finance", "Gold", BillingType.HYBRID, False, True, ["adatum.example"],
     [("Paula Grant", "paula.grant", "+1 718 555 0141", True, False),
      ("Omar Farid", "omar.farid", "+1 718 555 0142", True, False)],
     [("ADT-SQL01", "", "server"), ("ADT-LT-PGRANT", "paula.grant", "laptop")]),
    ("Litware Dental", "Standard", BillingType.TIME_AND_MATERIALS, False, False,
     ["litware-dental.example"],
     [("Dr. Sean Walsh", "sean.walsh", "+1 914 555 0151", True, False)],
     [("LWD-PC-RECEPTION", "", "workstation")]),
    ("Proseware Retail", "Standard", BillingType.FIXED_MONTHLY, False, False,
     ["proseware.example"],
     [("Kim Alvarez", "kim.alvarez", "+1 516 555 0161", True, False),
      ("Ben Ortiz", "ben.ortiz", "+1 516 555 0162", True, False)],
     [("PRW-POS01", "", "workstation"), ("PRW-NAS01", "", "server")]),
    ("Wingtip Architects", "Standard", BillingType.TIME_AND_MATERIALS, False, False,
     ["wingtip-arch.example"],
     [("Ada Brooks", "ada.brooks", "+1 203 555 0171", True, False)],
     [("WTA-WS-CAD1", "ada.brooks", "workstation")]),
    ("Alpine Bakery", "Standard", BillingType.TIME_AND_MATERIALS, False, False,
     ["alpine-bakery.example"],
     [("Tom Becker", "tom.becker", "+1 845 555 0181", True, False)],
     [("ALP-PC01", "tom.becker", "workstation")]),
    ("Blue Yonder Consulting", None, BillingType.TIME_AND_MATERIALS, False, False,
     ["blueyonder.example"],
     [("Rachel Stone", "rachel.stone", "+1 347 555 0191", True, False)],
     [("BYC-LT01", "rachel.stone", "laptop")]),
]

# Subjects per sub-category; the scenario picks from them.
SUBJECTS: dict[str, list[str]] = {
    "Internet outage": ["Internet down at main office", "No internet on 2nd floor",
                        "ISP circuit down since this morning"],
    "VPN access issue": ["Cannot connect to VPN from home", "VPN drops every 10 minutes",
                         "New hire needs VPN access"],
    "Firewall configuration": ["Open port 443 for new web app", "Firewall blocking vendor portal",
                               "Add IP allow-list entry for bank"],
    "Wireless connectivity": ["Guest Wi-Fi not working", "Conference room Wi-Fi slow",
                              "Laptop keeps dropping Wi-Fi"],
    "Hardware": ["Laptop screen flickering", "Docking station not detecting monitors",
                 "Replace failing hard drive"],
    "Software": ["Outlook crashes on start", "Install Adobe Acrobat Pro",
                 "Excel add-in missing after update"],
    "Printing & peripherals": ["Printer offline in accounting", "Scanner sends blank pages",
                               "Label printer misaligned"],
    "Account & password": ["Password reset for locked account", "MFA device lost",
                           "New user account for starter on Monday"],
    "Server outage": ["File server unreachable", "ERP server not responding",
                      "Domain controller high CPU"],
    "Microsoft 365": ["Shared mailbox permissions", "Teams calls dropping",
                      "OneDrive not syncing"],
    "Backup & recovery": ["Restore deleted folder from backup", "Backup job failed overnight",
                          "Verify offsite backup retention"],
    "Virtual machines": ["VM out of disk space", "Snapshot cleanup on host",
                         "Provision test VM for upgrade"],
    "Phishing": ["Suspicious email asking for wire transfer", "Reported phishing link clicked",
                 "Spoofed CEO email received"],
    "Malware & ransomware": ["Ransomware note on workstation", "Antivirus quarantine alert",
                             "Pop-ups and slow browser"],
    "Compromised account": ["Mailbox sending spam", "Impossible travel sign-in alert",
                            "Password used from unknown country"],
    "Suspicious activity": ["Unknown device on network", "After-hours admin login",
                            "Large data download flagged"],
    "Invoice question": ["Question about last invoice", "Invoice sent to wrong contact",
                         "Duplicate charge on invoice"],
    "Contract change": ["Add five users to contract", "Upgrade to Platinum tier",
                        "Cancel backup add-on"],
    "License true-up": ["Microsoft license true-up", "Adobe seats over-allocated",
                        "Renew antivirus licenses"],
}

# The starter rules (name, phase, conditions, actions), in order; first match wins per
# phase. Names stand in for ids here ("category", "group"): the seed resolves them. The
# seed adds them after replaying history, whose assignments are explicit.
RULES: list[tuple[str, str, dict[str, object], dict[str, object]]] = [
    ("Platinum P1 to Senior Tech", "assign",
     {"sla_profile": "Platinum", "priority": "P1"},
     {"group": "Senior Tech", "round_robin": True}),
    ("Platinum P1: tell the team lead", "notify",
     {"sla_profile": "Platinum", "priority": "P1"},
     {"notify": ["group_lead"], "message": "Platinum P1 opened"}),
    ("Cybersecurity incidents to Security Team", "assign",
     {"category": "Cybersecurity Incidents"},
     {"group": "Security Team", "round_robin": True}),
    ("Network & Connectivity to Network Team", "assign",
     {"category": "Network & Connectivity"},
     {"group": "Network Team", "round_robin": True}),
    ("Billing & Account to Account Managers", "assign",
     {"category": "Billing & Account Queries"},
     {"group": "Account Managers", "round_robin": True}),
    ("Everything else to General Support", "assign",
     {},
     {"group": "General Support", "round_robin": True}),
]

# The starter escalation rules (profile name or None for every profile, trigger, actions).
# Like the assignment rules they are seeded after the history, which stays as written.
ESCALATION_RULES: list[tuple[str | None, str, dict[str, object]]] = [
    (None, "75", {"assign_secondary": True, "alert": ["team_lead"]}),
    (None, "90", {"escalate_to": "senior", "status": "escalated",
                  "alert": ["operations_manager"]}),
    (None, "100", {"flag_breached": True, "notify_client": True, "alert": ["director"]}),
    (None, "near_due", {"escalate_to": "senior", "status": "escalated",
                        "alert": ["team_lead", "assignee"]}),
    (None, "idle", {"reassign": "available", "after_minutes": 120,
                    "alert": ["previous_assignee"]}),
    ("Platinum", "75", {"assign_secondary": "senior",
                        "alert": ["team_lead", "operations_manager"]}),
]
