"""Write the demo knowledge base of the fictional company Northwind Analytics into samples/.

    python scripts/make_samples.py [--out samples]

Every fact (numbers, days, amounts, system names) is fixed here, so the question-answering
examples in docs/sample-documents.md stay true. The personal data in the files is invented and is
there to show de-identification; docs/sample-documents.md lists it per file. Output is
deterministic: running the script twice gives the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.corpus.pdfgen import DocSpec, Section, write_pdf  # noqa: E402

COMPANY = "Northwind Analytics"
HEADER = "Northwind Analytics — Internal"
DOMAIN = "northwind-analytics.com"

# --------------------------------------------------------------------------------------
# Planted personal data (invented). Listed in docs/sample-documents.md.
# --------------------------------------------------------------------------------------
HR_CONTACT = "Margaret Ellison"
HR_EMAIL = "margaret.ellison@northwind-analytics.com"
HR_PHONE = "(206) 784-3310"
HQ_ADDRESS = "1200 Westlake Avenue North, Suite 800, Seattle, WA 98109"
HANDBOOK_EXAMPLE_PERSON = "Carlos Mendes"

CISO = "Daniel Okafor"
CISO_EMAIL = "daniel.okafor@northwind-analytics.com"
CISO_PHONE = "+1 206 913 4471"
INCIDENT_PERSON = "Priya Raman"
INCIDENT_IP = "185.220.101.47"

FIN_CONTACT = "Hannah Lindqvist"
FIN_EMAIL = "hannah.lindqvist@northwind-analytics.com"
FIN_PHONE = "+44 20 7946 1182"
CARD_PERSON = "Thomas Bennett"
CARD_NUMBER = "4539 1488 0343 6467"  # Luhn-valid test-style number
UK_IBAN = "GB82 WEST 1234 5698 7654 32"  # the standard IBAN example, check digits valid

ZH_CONTACT = "陈静"
ZH_MOBILE = "13812345678"
ZH_ID = "31010419880612023X"  # valid ISO 7064 MOD 11-2 check character (X = 10)
ZH_ADDRESS = "上海市徐汇区漕溪北路88号圣爱大厦1203室"
ZH_DEPUTY = "王磊"
ZH_DEPUTY_MOBILE = "13961187420"


def _body(*sentences: str) -> str:
    return " ".join(sentences)


# --------------------------------------------------------------------------------------
# Employee handbook (~5 pages)
# --------------------------------------------------------------------------------------


def employee_handbook() -> DocSpec:
    S = Section
    return DocSpec(
        title="Employee Handbook",
        subtitle="Northwind Analytics · Version 4.2 · Effective 1 January 2025 · Owner: People Team",
        header=HEADER,
        author=COMPANY,
        sections=[
            S("Welcome", 1, [
                _body("Welcome to Northwind Analytics. We build Northwind Insight, the analytics platform that helps "
                      "mid-sized retailers understand their customers, and we are proud of a culture that is candid, "
                      "curious and kind. This handbook explains how we work together: our working hours, leave, "
                      "remote work and the standards of conduct we expect from everyone."),
                _body("The handbook applies to all employees of Northwind Analytics in the United States and the "
                      "United Kingdom. Where a local supplement or your employment contract says something different, "
                      "the contract and the supplement take precedence. The People Team reviews the handbook every "
                      "January and announces changes on the intranet at least 30 days before they take effect."),
            ]),
            S("Our Values", 2, [
                _body("Four values guide how we work. Customers first: we measure our success by the results our "
                      "retail customers achieve with Northwind Insight. Say it straight: we give honest, specific "
                      "feedback and expect the same. Learn out loud: we share what we do not know yet and write "
                      "down what we learn. Own the outcome: whoever starts a piece of work sees it through or hands "
                      "it over explicitly."),
            ]),
            S("Working Hours", 1, [
                _body("The standard full-time working week is 40 hours, Monday to Friday. You may start between "
                      "7:30 and 10:00 and finish between 16:00 and 19:00, as long as you are available during the "
                      "core hours of 10:00 to 16:00 in your local time zone. Part-time schedules are agreed in writing "
                      "with your manager and the People Team."),
                _body("Time is recorded in BambooHR. Non-exempt employees record their actual hours every day; "
                      "exempt employees record only absences. Overtime for non-exempt employees must be approved by "
                      "the manager in advance and is paid at 1.5 times the regular rate."),
                _body("Meetings are not scheduled on Friday afternoons after 13:00, which we keep free for focused "
                      "work. Every employee has one fully meeting-free day per week, agreed within the team."),
            ]),
            S("Breaks and Rest", 2, [
                _body("You are entitled to a paid 15-minute break for every four hours worked and an unpaid lunch "
                      "break of at least 30 minutes on days longer than six hours. There must be at least 11 hours of "
                      "rest between two working days, and on-call work is compensated with 150 USD per week of "
                      "on-call duty."),
            ]),
            S("Leave", 1, [
                _body("Full-time employees receive 25 days of paid annual leave per calendar year, in addition to "
                      "the public holidays of their work location. Part-time employees receive a pro-rated amount. "
                      "New employees accrue leave from their first day; in the first calendar year the entitlement "
                      "is pro-rated to the start date."),
                _body("Leave is requested in BambooHR at least two weeks in advance for absences of more than "
                      "three days. Up to 5 unused days can be carried over into the next year and must be taken by "
                      "31 March; any other unused days lapse unless local law says otherwise."),
            ]),
            S("Leave at a Glance", 2, [
                _body("The table below summarises the paid leave types. Details and the evidence required are "
                      "described in the sections that follow."),
            ], table=[
                ["Leave type", "Entitlement", "Paid", "How to request"],
                ["Annual leave", "25 days per calendar year", "Yes, full pay", "BambooHR, 2 weeks ahead for more than 3 days"],
                ["Sick leave", "10 days per year", "Yes, full pay", "Tell manager before 10:00; note after 3 days"],
                ["Parental leave, primary caregiver", "16 weeks", "Yes, full pay", "BambooHR, 8 weeks ahead"],
                ["Parental leave, secondary caregiver", "6 weeks", "Yes, full pay", "BambooHR, 8 weeks ahead"],
                ["Compassionate leave", "5 days", "Yes, full pay", "Tell manager; record in BambooHR"],
                ["Volunteering leave", "2 days per year", "Yes, full pay", "BambooHR, 2 weeks ahead"],
            ]),
            S("Sick Leave", 2, [
                _body("If you are ill, tell your manager before 10:00 on the first day of absence and record the "
                      "absence in BambooHR. A doctor's note is required after 3 consecutive calendar days of sickness. "
                      "Employees receive 10 days of fully paid sick leave per year; longer illness is covered by the "
                      "short-term disability insurance after a waiting period of 7 days."),
            ]),
            S("Parental and Other Leave", 2, [
                _body("Primary caregivers receive 16 weeks of fully paid parental leave and secondary caregivers "
                      "receive 6 weeks, to be taken within 12 months of the birth or adoption. Employees may take up "
                      "to 5 days of paid compassionate leave on the death of a close family member, and 2 days of "
                      "paid volunteering leave per year for a registered charity."),
                _body("Jury duty and military reserve duty are granted as required by law; the company tops up "
                      "the difference to full salary for up to 20 working days per year."),
            ]),
            S("Remote Work", 1, [
                _body("Northwind Analytics is a hybrid company. Employees in hybrid roles may work remotely up to "
                      "3 days per week. Tuesday and Thursday are anchor days, when teams meet in the Seattle or "
                      "London office. Fully remote contracts are possible for roles approved by the Chief People "
                      "Officer."),
                _body("Every hybrid and remote employee receives a one-time home office stipend of 600 USD and an "
                      "internet allowance of 45 USD per month, paid with payroll. Equipment bought with the stipend "
                      "belongs to the employee; the laptop, monitor and headset issued by IT remain company property "
                      "and must be returned when employment ends."),
                _body("You may work from another country for up to 20 working days per calendar year, after "
                      "approval from your manager and the People Team, who check tax and immigration rules. Work "
                      "from countries under US or UK sanctions is never permitted."),
            ]),
            S("Security When Working Remotely", 2, [
                _body("When working outside the office you must connect through the Northwind VPN, lock your "
                      "screen whenever you step away and never use public computers for company work. Calls that "
                      "discuss customer data are taken in a private space. The full rules are in the IT Security "
                      "Policy."),
            ]),
            S("Office Life", 1, [
                _body("Our offices are in Seattle (headquarters) and London. Both are open from 7:00 to 20:00 on "
                      "working days; access outside these hours needs approval from Workplace Operations. Desks are "
                      "booked in the Robin app, and a booking that is not checked in by 10:30 is released for "
                      "colleagues. Lockers are available for personal items; nothing may be left on desks overnight."),
                _body("Visitors are registered at reception, wear a visitor badge at all times and are accompanied "
                      "by their host. Employees bring their own badge every day; a lost badge is reported to "
                      "Workplace Operations the same day and replaced for a fee of 25 USD from the second loss on."),
                _body("Each office has at least two trained first aiders and holds a fire drill twice a year. "
                      "Accidents and near misses are reported in the health and safety form on the intranet within "
                      "24 hours."),
            ]),
            S("Performance and Development", 1, [
                _body("Performance conversations take place twice a year, in April and October. Each employee "
                      "agrees three to five goals with their manager at the start of the half-year and writes a short "
                      "self-review before the conversation. Ratings are calibrated across teams so that similar work "
                      "is rated alike, and the April rating informs the annual salary review."),
                _body("Internal moves are encouraged. After 12 months in a role, employees may apply for any open "
                      "position on the internal job board; the current manager is informed but cannot block the "
                      "application. Mentoring is available through the Northwind Mentoring Program, which pairs "
                      "employees with a senior colleague from another department for 6 months."),
            ]),
            S("Code of Conduct", 1, [
                _body("We treat colleagues, customers and partners with respect. Harassment, discrimination and "
                      "bullying are not tolerated, whether in the office, online or at company events. Every employee "
                      "completes the Code of Conduct training within 30 days of joining and then once a year."),
                _body("Gifts and hospitality from customers or suppliers are acceptable only up to a value of "
                      "100 USD per person per year and must be recorded in the gifts register. Cash or cash "
                      "equivalents are never accepted. Conflicts of interest, including a second job or a financial "
                      "interest in a supplier, are declared to the People Team before they arise or as soon as you "
                      "become aware of them."),
                _body("Customer data may only be used for the purpose agreed with the customer. Never copy customer "
                      "data to personal devices or personal cloud storage, and never share it in public AI tools."),
            ]),
            S("Reporting Concerns", 2, [
                _body("Concerns about misconduct can be raised with your manager, the People Team or anonymously "
                      "through the ethics hotline at 1-800-461-2290, which is run by an independent provider and "
                      "is available 24 hours a day. Northwind Analytics does not tolerate retaliation against anyone "
                      "who raises a concern in good faith."),
                _body(f"For example, in 2024 {HANDBOOK_EXAMPLE_PERSON} reported through the hotline that a supplier had "
                      "offered event tickets in exchange for a contract extension; the case was investigated within "
                      "10 working days and the supplier relationship was ended."),
            ]),
            S("Pay and Benefits", 1, [
                _body("Salaries are paid monthly on the last business day of the month. Salary reviews take place "
                      "once a year in April. The company matches 401(k) contributions up to 4 percent of salary in "
                      "the United States and contributes 6 percent to the pension plan in the United Kingdom."),
                _body("Every employee has a learning budget of 1,500 USD per year for courses, conferences and "
                      "books, approved by the manager. Health, dental and vision insurance start on the first day "
                      "of employment; enrolment must be completed in the benefits portal within 30 days of the "
                      "start date."),
            ]),
            S("Probation and Notice", 2, [
                _body("New employees serve a probation period of 6 months. During probation the notice period is "
                      "one week on either side; after probation it is one month, or as stated in the contract. "
                      "Managers hold check-in conversations at 30, 60 and 90 days."),
            ]),
            S("Company Equipment and Systems", 1, [
                _body("Every employee receives a laptop, a headset and, for office or home use, one external "
                      "monitor. Laptops are replaced every 4 years, or earlier if they fail. Equipment faults are "
                      "reported in the IT portal; a replacement laptop is shipped within 2 business days. Employees "
                      "may use their own phone for e-mail and Slack after enrolling it in device management."),
                _body("Company systems and accounts are for business use. Reasonable personal use is allowed, but "
                      "company e-mail must not be used to sign up for personal services. The rules for passwords, "
                      "multi-factor authentication and data handling are set out in the IT Security Policy, which "
                      "every employee acknowledges in the first week."),
            ]),
            S("Social Media and Public Speaking", 2, [
                _body("Employees are welcome to share public company news on social media. Only the Marketing team "
                      "speaks for the company; personal posts about work should make clear that the views are your "
                      "own. Never post customer names, customer data, financial results before they are published, "
                      "or photos of screens and whiteboards from the office. Invitations to speak at conferences "
                      "about Northwind Insight are agreed with Marketing at least 4 weeks in advance."),
            ]),
            S("Wellbeing", 2, [
                _body("All employees and their families can use the confidential Employee Assistance Program, which "
                      "offers up to 6 free counselling sessions per issue per year, as well as legal and financial "
                      "advice. The company also pays a wellbeing allowance of 50 USD per month towards a gym, a "
                      "sports club or a mindfulness app."),
            ]),
            S("Leaving Northwind Analytics", 1, [
                _body("Employees who resign tell their manager in writing and give the notice stated in their "
                      "contract. Company equipment, badges and documents are returned by the last working day; "
                      "laptops can also be shipped to IT with a prepaid label within 5 business days. Access to all "
                      "systems ends at 18:00 on the last working day."),
                _body("Every leaver is invited to an exit interview with the People Team. Unused annual leave is "
                      "paid out with the final salary where the law requires it; leave taken in excess of the "
                      "pro-rated entitlement is deducted."),
            ]),
            S("Contacts", 1, [
                _body("Questions about this handbook go to your People Partner. For the US and UK teams this is:"),
                f"People Partner: {HR_CONTACT}<br/>E-mail: {HR_EMAIL}<br/>Phone: {HR_PHONE}<br/>"
                f"Office: Northwind Analytics, {HQ_ADDRESS}",
            ]),
        ],
    )


# --------------------------------------------------------------------------------------
# IT security policy (~4 pages)
# --------------------------------------------------------------------------------------


def it_security_policy() -> DocSpec:
    S = Section
    return DocSpec(
        title="IT Security Policy",
        subtitle="Northwind Analytics · Policy SEC-001 · Version 3.0 · Effective 1 March 2025 · Owner: Security Team",
        header=HEADER,
        author=COMPANY,
        sections=[
            S("Purpose and Scope", 1, [
                _body("This policy protects the information of Northwind Analytics and of the retailers whose data "
                      "we process in Northwind Insight. It applies to every employee, contractor and intern, to "
                      "every company-issued device, and to every personal device used to access company e-mail, "
                      "Slack or customer data."),
                _body("The Chief Information Security Officer (CISO) owns this policy and reviews it every 12 "
                      "months. Exceptions must be requested in Jira Service Management, approved by the CISO and "
                      "are valid for at most 90 days."),
            ]),
            S("Accounts and Passwords", 1, [
                _body("Every person has a personal account; shared accounts are only allowed as documented service "
                      "accounts. Passwords must be at least 14 characters long. Use a passphrase of several words; "
                      "complexity rules such as mandatory symbols do not apply. Passwords must not reuse any of the "
                      "last 10 passwords and are changed only when a compromise is suspected, not on a fixed "
                      "schedule."),
                _body("All employees store passwords in the company password manager, 1Password. Passwords are "
                      "never sent by e-mail or Slack, and the IT Service Desk will never ask for your password. "
                      "After 10 failed sign-in attempts an account is locked for 30 minutes."),
            ]),
            S("Multi-Factor Authentication", 2, [
                _body("Multi-factor authentication (MFA) is mandatory for every system that supports it, and always "
                      "for Okta single sign-on, Google Workspace, GitHub, AWS and the Northwind VPN. The approved "
                      "factors are Okta Verify push notifications and YubiKey hardware keys; administrators of "
                      "production systems must use a YubiKey. SMS codes are not accepted."),
                _body("A lost or stolen YubiKey or phone must be reported to the IT Service Desk the same day so "
                      "that the factor can be revoked."),
            ]),
            S("Access Reviews", 2, [
                _body("Access follows the principle of least privilege. System owners review who has access to "
                      "their systems every 90 days and remove access that is no longer needed. Accounts of leavers "
                      "are disabled within 4 hours of the end of their last working day."),
            ]),
            S("Acceptable Use", 1, [
                _body("Company systems are provided for business purposes. Limited personal use of e-mail and the "
                      "internet is acceptable if it does not interfere with work, does not involve illegal or "
                      "offensive content and does not put company data at risk. The company may monitor the use of "
                      "its systems within the limits of the law to protect its information."),
                _body("Software is installed only from the Kandji Self Service catalogue or the Company Portal. "
                      "New software or SaaS tools that will process Confidential or Restricted data need a security "
                      "review, requested in Jira Service Management at least 10 business days before use. Generative "
                      "AI tools may be used only in the company workspace of the approved assistant; customer data "
                      "and source code must never be pasted into public AI tools."),
            ]),
            S("E-mail and Phishing", 2, [
                _body("External e-mails carry an [EXTERNAL] tag in the subject line. Be suspicious of unexpected "
                      "attachments, urgent payment requests and sign-in pages reached from a link. Use the Report "
                      "Phishing button in Gmail to report suspicious messages; the Security Team reviews every report "
                      "within one business day."),
            ]),
            S("Data Classification", 1, [
                _body("All information is classified into one of four levels. The owner of the information assigns "
                      "the level; when in doubt, treat information as Confidential. The handling rules apply to "
                      "every copy, including printouts, exports and screenshots."),
                _body("Customer data in Northwind Insight is always Restricted. Restricted data may only leave the "
                      "production environment in anonymised form, and only with written approval from the CISO."),
            ], table=[
                ["Level", "Description", "Examples", "Handling"],
                ["Public", "Approved for release outside the company", "Website, published blog posts, price list",
                 "No restrictions"],
                ["Internal", "Default level for company information", "Org chart, intranet pages, meeting notes",
                 "Share only inside Northwind Analytics"],
                ["Confidential", "Harm to the company if disclosed", "Contracts, source code, financial plans",
                 "Need-to-know; encrypted in transit; external sharing only via Google Drive with expiry"],
                ["Restricted", "Severe harm or legal breach if disclosed", "Customer data, personal data, secrets",
                 "Named access only; encrypted at rest and in transit; access logged and kept 1 year"],
            ]),
            S("Devices", 1, [
                _body("Company laptops are managed with Kandji (macOS) and Microsoft Intune (Windows). Full-disk "
                      "encryption is mandatory: FileVault on macOS and BitLocker on Windows. Screens lock "
                      "automatically after 5 minutes of inactivity. The endpoint protection agent, CrowdStrike "
                      "Falcon, must never be disabled."),
                _body("Security updates are installed within 14 days of release; critical updates, as announced "
                      "by the Security Team, within 72 hours. Devices that fall behind lose access to company "
                      "systems until they are updated. Personal phones used for e-mail and Slack must be enrolled "
                      "in Intune and protected by a 6-digit passcode or biometrics."),
                _body("USB storage devices are blocked on company laptops. Lost or stolen devices are reported "
                      "immediately, and in any case within 24 hours, so that they can be wiped remotely."),
            ]),
            S("Network and Remote Access", 2, [
                _body("Remote access to internal systems uses the Northwind VPN, based on WireGuard, with MFA. "
                      "Production systems in AWS are reached only through the bastion service with a YubiKey. "
                      "Guest Wi-Fi in the offices is separated from the corporate network."),
            ]),
            S("Backups and Recovery", 2, [
                _body("Production databases are backed up every 6 hours and kept for 35 days in a separate AWS "
                      "account. Restores are tested every quarter. The recovery time objective for Northwind Insight "
                      "is 4 hours and the recovery point objective is 6 hours. Laptops are not backed up: keep work "
                      "files in Google Drive."),
            ]),
            S("Suppliers", 2, [
                _body("Suppliers that will process Confidential or Restricted data complete the security "
                      "questionnaire and provide a current SOC 2 Type II report or ISO/IEC 27001 certificate before "
                      "the contract is signed. Their access is reviewed every 12 months and removed when the "
                      "contract ends."),
            ]),
            S("Physical Security", 2, [
                _body("Offices are accessed with personal badges. Visitors are escorted at all times. Confidential "
                      "printouts are collected from the printer immediately and disposed of in the locked shredding "
                      "bins; desks are cleared at the end of each day."),
            ]),
            S("Incident Reporting", 1, [
                _body("A security incident is any event that may threaten the confidentiality, integrity or "
                      "availability of company or customer information: a phishing e-mail that was clicked, a lost "
                      "laptop, malware, a misdirected e-mail containing customer data or suspicious activity in a "
                      "system."),
                _body("Report every suspected incident to security@northwind-analytics.com or in the #security-"
                      "incidents Slack channel within 24 hours of discovery, and immediately if customer data may be "
                      "affected. Outside office hours call the on-call security engineer at +1 206 555 0199. Do not "
                      "investigate yourself and do not delete suspicious messages."),
                _body("The Security Team acknowledges every report within 1 hour during office hours. Incidents "
                      "that affect customer data are reported to the affected customers within 72 hours, as our "
                      "customer contracts require."),
                _body(f"For example, in February 2025 {INCIDENT_PERSON} noticed repeated failed sign-ins to her "
                      f"account from the address {INCIDENT_IP}. She reported it within two hours; the address was "
                      "blocked in Okta and her sessions were revoked."),
            ]),
            S("Security Awareness", 1, [
                _body("Every employee completes security awareness training within 14 days of joining and again "
                      "every year. The Security Team runs a phishing simulation every quarter; employees who click "
                      "the simulated link receive a short refresher module."),
            ]),
            S("Contacts", 1, [
                f"Chief Information Security Officer: {CISO}<br/>E-mail: {CISO_EMAIL}<br/>Phone: {CISO_PHONE}<br/>"
                "Security Team: security@northwind-analytics.com",
            ]),
        ],
    )


# --------------------------------------------------------------------------------------
# Expense policy (~4 pages)
# --------------------------------------------------------------------------------------


def expense_policy() -> DocSpec:
    S = Section
    return DocSpec(
        title="Travel and Expense Policy",
        subtitle="Northwind Analytics · Policy FIN-004 · Version 2.3 · Effective 1 February 2025 · Owner: Finance",
        header=HEADER,
        author=COMPANY,
        footer_style="dash",
        sections=[
            S("Purpose and Scope", 1, [
                _body("This policy explains which business expenses Northwind Analytics pays for, the limits that "
                      "apply and how to claim them. It applies to all employees and to contractors whose contract "
                      "allows expense claims. All amounts are in US dollars; UK employees apply the same amounts in "
                      "pounds sterling at the monthly rate published by Finance."),
            ]),
            S("Booking Travel", 1, [
                _body("Business trips are approved by your manager in Navan before anything is booked. Flights, "
                      "hotels and rail travel are booked in Navan at least 14 days before departure where possible. "
                      "Bookings made elsewhere are reimbursed only if they are cheaper than the Navan fare and the "
                      "manager agrees."),
                _body("Economy class is the standard for all flights shorter than 6 hours. Premium economy may be "
                      "booked for flights of 6 hours or more, and business class only for flights longer than 10 "
                      "hours with approval from the Chief Financial Officer. Rail is preferred to air for journeys "
                      "under 4 hours."),
            ]),
            S("Expense Limits", 1, [
                _body("The following limits apply per person. Amounts above a limit are not reimbursed unless an "
                      "exception was approved in writing before the expense was incurred."),
                _body("The hotel limit of 320 USD applies in New York, San Francisco, London and Zurich; everywhere "
                      "else the standard limit of 220 USD per night applies. Alcohol is reimbursed only as part of "
                      "approved client entertainment, and tips above 20 percent are paid by the employee."),
            ], table=[
                ["Expense category", "Limit (USD)", "Unit", "Receipt required"],
                ["Hotel, standard city", "220.00", "per night", "Yes"],
                ["Hotel, high-cost city", "320.00", "per night", "Yes"],
                ["Meals and incidentals", "75.00", "per day", "Yes, itemised"],
                ["Taxi or ride-hailing", "60.00", "per trip", "Yes"],
                ["Private car mileage", "0.67", "per mile", "No, mileage log"],
                ["Client entertainment", "120.00", "per guest", "Yes, with guest names"],
                ["Home office stipend (one-time)", "600.00", "per employee", "Yes"],
                ["Mobile phone and internet", "45.00", "per month", "No, paid with payroll"],
            ]),
            S("Meals", 2, [
                _body("The meals limit of 75 USD per day covers breakfast, lunch, dinner and incidentals while "
                      "travelling. When a meal is provided by a conference, a customer or the hotel, the daily limit "
                      "is reduced by 15 USD for breakfast, 20 USD for lunch and 40 USD for dinner. Team meals in the "
                      "home office location are not reimbursed unless approved as a team event."),
            ]),
            S("Ground Transportation", 2, [
                _body("Use public transport where practical. Taxis and ride-hailing are reimbursed up to 60 USD per "
                      "trip, and always for journeys between 22:00 and 6:00. Rental cars are booked in the compact "
                      "category through Navan, with the company's insurance; private cars are reimbursed at 0.67 USD "
                      "per mile."),
            ]),
            S("International Travel", 2, [
                _body("For trips outside the employee's home country, the manager's approval must include the "
                      "destination and dates so that the travel risk service can contact the traveller in an "
                      "emergency. Visa fees, required vaccinations and reasonable roaming charges are reimbursed. "
                      "Receipts in foreign currencies are converted by Expensify at the rate on the date of the "
                      "expense; card transactions use the rate charged by the card provider."),
                _body("All business travellers are covered by the company travel insurance, which includes medical "
                      "emergencies, repatriation and lost luggage. The insurance card is available in Navan; there "
                      "is no need to buy separate travel insurance."),
            ]),
            S("Conferences and Training", 2, [
                _body("Conference tickets and course fees are paid from the employee's learning budget of 1,500 USD "
                      "per year, or from the team budget when the manager asks the employee to attend. Conference "
                      "tickets above 1,000 USD are booked by Finance on invoice rather than paid by the employee. "
                      "Travel to a conference follows the same limits as any other business trip."),
            ]),
            S("Client Entertainment", 2, [
                _body("Client entertainment is limited to 120 USD per guest, including tax and tip, and needs the "
                      "names and companies of all guests on the receipt. The number of employees attending must not "
                      "be larger than the number of guests. Entertainment of public officials is not allowed without "
                      "approval from the Legal team."),
            ]),
            S("Approval Thresholds", 1, [
                _body("Each expense report is approved before it is paid. Reports up to 1,000 USD are approved by the "
                      "line manager. Reports from 1,000 USD up to 5,000 USD also need the approval of the department "
                      "director. Reports above 5,000 USD must additionally be approved by the Chief Financial "
                      "Officer. Nobody approves their own expenses; the CEO's expenses are approved by the chair of "
                      "the Audit Committee."),
            ]),
            S("Submitting Claims and Reimbursement", 1, [
                _body("Expense reports are submitted in Expensify within 60 days of the date of the expense, with a "
                      "receipt for every item above 25 USD. Receipts are photographed in the Expensify app; paper "
                      "originals do not need to be kept."),
                _body("Approved expenses are reimbursed within 30 days of approval, normally with the next payroll "
                      "run. Finance confirms each reimburse-<br/>ment by e-mail. Reports submitted more than 90 "
                      "days after the expense are rejected unless the CFO grants an exception."),
                _body("UK employees are reimbursed by bank transfer to the account held in the payroll system, for "
                      f"example IBAN {UK_IBAN}; the account must be in the employee's own name."),
            ]),
            S("Receipts and Documentation", 2, [
                _body("A valid receipt shows the supplier, the date, each item and the tax paid; a credit card slip "
                      "alone is not enough. If a receipt is lost, a missing receipt declaration can be submitted in "
                      "Expensify for amounts up to 75 USD, no more than three times per year. Mileage claims include "
                      "the start and end address, the purpose of the trip and the distance in miles."),
            ]),
            S("Corporate Cards", 2, [
                _body("Employees who travel more than 6 times a year may request an American Express corporate card "
                      "with a monthly limit of 10,000 USD. The card is for business expenses only; an accidental "
                      "personal charge must be repaid within 10 days. Card transactions are imported into Expensify "
                      "automatically and must be matched with receipts within 30 days."),
                _body(f"For example, in March 2025 the corporate card {CARD_NUMBER} issued to {CARD_PERSON} was charged "
                      "twice by a hotel in Chicago. He reported the duplicate charge in Expensify, Finance disputed "
                      "it with American Express, and the amount was refunded within 14 days."),
            ]),
            S("Non-Reimbursable Expenses", 1, [
                _body("The following are never reimbursed: traffic and parking fines, personal entertainment such as "
                      "films or minibar items, upgrades paid for personally, travel insurance bought separately "
                      "(the company policy covers all business trips), lost luggage fees for luggage that was not "
                      "checked in, and expenses for family members travelling with the employee."),
            ]),
            S("Worked Examples", 1, [
                _body("A two-night trip to Denver with a hotel at 205 USD per night and meals of 68 USD per day is "
                      "within the limits; the report of 546 USD is approved by the line manager alone."),
                _body("A one-week customer visit to London with a hotel at 310 USD per night is within the "
                      "high-cost city limit of 320 USD. The total report of 3,400 USD is above 1,000 USD, so it needs "
                      "the approval of the line manager and of the department director."),
                _body("A team dinner with customers in San Francisco for 4 guests and 3 employees costing 690 USD is "
                      "within the entertainment limit of 120 USD per guest only if the employees' share is counted "
                      "as well: 690 USD divided by 7 people is 98.57 USD per person, so the claim is accepted."),
                _body("A hotel of 260 USD per night in Austin is above the standard limit of 220 USD. Without an "
                      "exception approved before the trip, only 220 USD per night is reimbursed and the difference "
                      "of 40 USD per night is paid by the employee."),
            ]),
            S("Gifts for Customers", 2, [
                _body("Gifts for customers are limited to 50 USD per recipient per year and are recorded in the gifts "
                      "register before they are sent. Gifts to public officials and cash or gift cards are not "
                      "allowed. Branded merchandise from the Marketing shop does not count towards the limit."),
            ]),
            S("Audit and Compliance", 1, [
                _body("Finance reviews a random sample of 10 percent of expense reports every month, and every report "
                      "above 5,000 USD. Claims that break this policy are returned for correction; repeated or "
                      "deliberate breaches are referred to the People Team and may lead to disciplinary action. "
                      "Expense records are kept for 7 years."),
                _body("This policy is reviewed every year by Finance. Questions can be raised in the #ask-finance "
                      "Slack channel; answers to common questions are published in the Finance FAQ on the intranet."),
            ]),
            S("Contacts", 1, [
                f"Travel and Expense Manager: {FIN_CONTACT}<br/>E-mail: {FIN_EMAIL}<br/>Phone: {FIN_PHONE}<br/>"
                "Finance Helpdesk: expenses@northwind-analytics.com",
            ]),
        ],
    )


# --------------------------------------------------------------------------------------
# 信息安全制度 (~3 pages, Chinese)
# --------------------------------------------------------------------------------------


def zh_security_policy() -> DocSpec:
    S = Section
    return DocSpec(
        title="信息安全管理制度",
        subtitle="北风数据分析（上海）有限公司　文件编号：NW-SH-IT-003　版本：V2.1　2025年3月1日起施行",
        header="北风数据分析（上海）有限公司 内部资料",
        author="北风数据分析（上海）有限公司",
        language="zh",
        sections=[
            S("总则", 1, []),
            S("目的", 2, ["为加强北风数据分析（上海）有限公司（以下简称“公司”）的信息安全管理，保护公司信息资产和客户数据的安全，"
                          "依据《中华人民共和国网络安全法》《中华人民共和国数据安全法》《中华人民共和国个人信息保护法》等法律法规，"
                          "结合Northwind Analytics集团信息安全政策，制定本制度。"]),
            S("适用范围", 2, ["本制度适用于公司全体员工、实习生以及在公司办公场所工作的外包人员，覆盖公司所有办公网络、"
                              "业务系统、办公终端以及Northwind Insight平台中由公司处理的客户数据。"]),
            S("管理职责", 2, ["信息安全部是本制度的归口管理部门，负责制度的制定、解释、培训和监督检查。各部门负责人是本部门信息安全的"
                              "第一责任人，负责组织本部门员工学习并落实本制度。信息安全部每年至少组织一次全面检查，检查结果报公司总经理。"]),
            S("账号与密码管理", 1, []),
            S("账号管理", 2, ["员工账号实行“一人一号”，严禁共用账号。员工入职时由人力资源部在OA系统发起开通申请，"
                              "离职当日由信息安全部停用其全部系统账号。系统管理员每季度对账号和权限进行一次复核，清理不再需要的权限。"]),
            S("密码要求", 2, ["系统密码长度不得少于12位，须同时包含大写字母、小写字母、数字和特殊字符中的至少三类，每90天更换一次，"
                              "且不得与最近5次使用过的密码相同。连续输错密码5次，账号将被锁定30分钟。",
                              "密码须保存在公司统一提供的密码管理工具中，严禁将密码写在纸上、贴在显示器上或通过微信、钉钉等即时通讯工具发送。"]),
            S("多因素认证", 2, ["访问企业邮箱、VPN、代码仓库及Northwind Insight生产环境时必须启用多因素认证，"
                                "认证方式为手机令牌或硬件安全密钥，不得使用短信验证码作为唯一认证方式。"]),
            S("数据安全", 1, []),
            S("数据分级", 2, ["公司数据按照敏感程度分为公开、内部、秘密、机密四个级别。数据所有者负责确定数据级别，"
                              "无法确定级别的，按秘密级处理。各级别数据的保护要求如下表。"],
              table=[["级别", "说明", "示例", "保护要求"],
                     ["公开", "可对外发布的信息", "官网内容、产品宣传册", "无特殊要求"],
                     ["内部", "仅限公司内部使用", "内部通知、组织架构、会议纪要", "不得对外发送"],
                     ["秘密", "泄露会损害公司利益", "合同、源代码、财务数据", "加密传输，按需授权，保存5年"],
                     ["机密", "泄露会造成严重损失或违法", "客户数据、个人信息、密钥", "加密存储，访问留痕，日志保存1年"]]),
            S("数据出境", 2, ["涉及个人信息和重要数据的跨境传输，须事先经信息安全部和法务部评估，并按照国家有关规定完成安全评估或备案。"
                              "未经批准，严禁将客户数据传输至境外服务器或使用境外网盘存储。"]),
            S("终端安全", 2, ["公司配发的笔记本电脑必须启用全盘加密，安装公司统一的终端防护软件，屏幕在无操作10分钟后自动锁定。"
                              "操作系统安全补丁应在发布后14日内完成安装，紧急补丁应在72小时内完成安装。严禁在办公电脑上安装盗版或来源不明的软件。"]),
            S("网络与系统安全", 1, []),
            S("网络接入", 2, ["办公网络分为员工网络、访客网络和生产网络，三者相互隔离。员工远程访问公司内网须通过公司VPN并完成多因素认证，"
                              "严禁私自架设无线接入点或使用个人路由器接入办公网络。访客网络仅提供互联网访问，密码每月更换一次。"]),
            S("系统变更", 2, ["生产系统的变更须在变更管理系统中提交申请，经系统负责人和信息安全部审批后，在每周二、周四晚间的变更窗口实施。"
                              "紧急变更可先实施后补办手续，但须在24小时内补交申请。"]),
            S("日志与备份", 2, ["重要系统的操作日志至少保存180天，机密级数据的访问日志保存1年。生产数据库每6小时备份一次，备份数据保存35天，"
                                "并每季度进行一次恢复演练。"]),
            S("办公环境安全", 2, ["员工离开座位时应锁定电脑屏幕，下班时应清理桌面，含有秘密级以上信息的纸质文件须放入带锁的文件柜。"
                                  "废弃的纸质文件须使用碎纸机销毁，严禁直接丢弃。外来人员进入办公区须登记并由接待人员全程陪同。"]),
            S("安全事件报告与处置", 1, []),
            S("报告时限", 2, ["员工发现钓鱼邮件、病毒感染、设备丢失、数据泄露等信息安全事件后，应在2小时内通过邮件"
                              "security@northwind-analytics.com或内线电话8110报告信息安全部，不得隐瞒、迟报或自行处置。"]),
            S("处置流程", 2, ["信息安全部接报后应在1小时内响应，4小时内完成初步研判。涉及客户数据的重大事件，应在24小时内报告公司总经理，"
                              "并按照合同约定在72小时内通知受影响的客户。事件处置完毕后10个工作日内形成书面报告。"]),
            S("培训与考核", 2, ["新员工入职后7个工作日内须完成信息安全培训并通过考试。全体员工每年参加信息安全培训不少于4学时。"
                                "信息安全部每季度开展一次钓鱼邮件演练，演练结果纳入部门年度考核。"]),
            S("附则", 1, []),
            S("联系方式", 2, ["本制度执行中的问题，请联系信息安全部。",
                              f"联系人：{ZH_CONTACT}<br/>手机：{ZH_MOBILE}<br/>身份证号：{ZH_ID}<br/>办公地址：{ZH_ADDRESS}",
                              f"联系人不在岗时，由{ZH_DEPUTY}（手机{ZH_DEPUTY_MOBILE}）代为处理。"]),
            S("第三方管理", 2, ["供应商、外包单位接触公司秘密级以上数据的，须签署保密协议和数据处理协议，并接受信息安全部的安全评估。"
                                "合作结束后5个工作日内，应收回其全部账号和访问权限，并要求其删除或返还公司数据。"]),
            S("违规处理", 2, ["违反本制度的，视情节轻重给予警告、通报批评、扣减绩效直至解除劳动合同；造成损失的，依法追究责任。"]),
            S("施行日期", 2, ["本制度由信息安全部负责解释，自2025年3月1日起施行，原《信息安全管理暂行办法》同时废止。"]),
        ],
    )


# --------------------------------------------------------------------------------------
# Product FAQ (Markdown) and onboarding checklist (docx)
# --------------------------------------------------------------------------------------

PRODUCT_FAQ = """\
# Northwind Insight — Frequently Asked Questions

Northwind Insight is the customer analytics platform of Northwind Analytics. It connects to a
retailer's sales, web and loyalty data and turns it into dashboards, segments and forecasts.

## What plans are available and what do they cost?

There are three plans, billed annually:

- **Starter**: 49 USD per user per month, up to 10 users and 50 dashboards, data refreshed every 24 hours.
- **Team**: 99 USD per user per month, unlimited dashboards, data refreshed every 15 minutes, API access.
- **Enterprise**: custom pricing, single sign-on (SAML 2.0 and SCIM), a dedicated customer success manager and a 99.95% uptime SLA.

Monthly billing is available for Starter and Team at a 20% surcharge.

## Is there a free trial?

Yes. Every new workspace starts with a 14-day free trial of the Team plan. No credit card is
needed, and the trial workspace is deleted 30 days after the trial ends unless you subscribe.

## Which data sources can I connect?

Northwind Insight includes native connectors for Snowflake, Google BigQuery, Amazon Redshift,
PostgreSQL, MySQL, Shopify, Salesforce Commerce Cloud and Google Analytics 4. CSV files up to
2 GB can be uploaded directly. Custom connectors can be built with the REST API on the Team and
Enterprise plans.

## How often is my data refreshed?

Every 24 hours on Starter and every 15 minutes on Team and Enterprise. Enterprise customers can
also trigger a refresh through the API, up to 100 times per day.

## How long do you keep my data?

Raw event data is kept for 13 months; aggregated dashboard data for 36 months. When a
subscription ends, all customer data is deleted within 30 days, and backups within a further
35 days.

## Where is my data stored?

In AWS, in the region chosen when the workspace is created: us-west-2 (Oregon), eu-west-1
(Ireland) or eu-central-1 (Frankfurt). Data is encrypted at rest with AES-256 and in transit
with TLS 1.2 or higher. Northwind Analytics holds a SOC 2 Type II report and ISO/IEC 27001
certification.

## What is the uptime guarantee?

99.9% monthly uptime on Team and 99.95% on Enterprise. If we miss the SLA, Team and Enterprise
customers receive a service credit of 10% of the monthly fee for each 0.1% below the target, up
to 50%.

## Which export formats are supported?

Dashboards can be exported as PDF and PNG; tables as CSV and XLSX. Scheduled e-mail reports can
be sent daily, weekly or monthly to up to 25 recipients per report.

## How do I get support?

Starter customers get e-mail support at support@northwind-analytics.com with a response within
2 business days. Team customers get chat support on weekdays from 8:00 to 18:00 Pacific time
with a first response within 4 business hours. Enterprise customers have 24/7 support with a
1-hour response time for severity-1 incidents.

## Can I cancel at any time?

Annual plans can be cancelled at the end of the contract year with 30 days' notice. Monthly plans
can be cancelled at any time and stop at the end of the current billing month.
"""


def onboarding_checklist(path: Path) -> Path:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.core_properties.title = "New Employee Onboarding Checklist"
    doc.core_properties.author = COMPANY
    # python-docx stamps the current time; fix it so the bytes are reproducible
    import datetime as _dt

    fixed = _dt.datetime(2025, 1, 6, 9, 0, 0)
    doc.core_properties.created = fixed
    doc.core_properties.modified = fixed
    doc.core_properties.last_modified_by = COMPANY
    doc.core_properties.revision = 1

    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)

    doc.add_heading("New Employee Onboarding Checklist", level=0)
    doc.add_paragraph("Northwind Analytics · People Team · Version 1.4 · January 2025")

    doc.add_heading("Before the First Day", level=1)
    doc.add_paragraph(
        "The hiring manager submits the equipment request in the IT portal at least 10 business days "
        "before the start date. IT ships the laptop (a 14-inch MacBook Pro, or a Dell Latitude 7450 on "
        "request) so that it arrives 2 business days before the first day. The People Team sends the "
        "welcome e-mail with the first-week schedule 5 business days before the start date.")
    doc.add_heading("Buddy", level=2)
    doc.add_paragraph(
        "Every new employee is assigned an onboarding buddy from another team. The buddy meets the new "
        "employee on the first day and then once a week for the first 8 weeks.")

    doc.add_heading("First Week", level=1)
    doc.add_paragraph(
        "On day 1 the new employee activates the Okta account, enrols Okta Verify for multi-factor "
        "authentication and installs 1Password. The security awareness training must be completed "
        "within 14 days, and the Code of Conduct training within 30 days.")
    doc.add_heading("Accounts and Tools", level=2)
    for item in ["Okta single sign-on with Okta Verify", "Google Workspace (e-mail, calendar, Drive)",
                 "Slack, including #general and #ask-people", "BambooHR for leave and personal data",
                 "Expensify for expense reports", "Navan for business travel",
                 "Jira and Confluence (engineering and product roles)", "GitHub (engineering roles)"]:
        doc.add_paragraph(item, style="List Bullet")

    doc.add_heading("Checklist", level=1)
    doc.add_paragraph("Each task is ticked off in BambooHR by its owner.")
    rows = [
        ("Task", "Owner", "Due"),
        ("Sign employment contract and NDA", "New employee", "Before day 1"),
        ("Order laptop and accessories", "Hiring manager", "10 business days before day 1"),
        ("Create Okta and Google accounts", "IT Service Desk", "3 business days before day 1"),
        ("Welcome meeting and office tour", "People Team", "Day 1"),
        ("Set up MFA and 1Password", "New employee", "Day 1"),
        ("Security awareness training", "New employee", "Within 14 days"),
        ("Enrol in health insurance and 401(k) / pension", "New employee", "Within 30 days"),
        ("Code of Conduct training", "New employee", "Within 30 days"),
        ("Agree 90-day goals", "Manager and new employee", "Within 2 weeks"),
        ("30-, 60- and 90-day check-ins", "Manager", "Day 30, 60 and 90"),
        ("End of probation review", "Manager and People Team", "Month 6"),
    ]
    table = doc.add_table(rows=len(rows), cols=3)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = table.cell(r, c)
            cell.text = text
            if r == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True

    doc.add_heading("First 90 Days", level=1)
    doc.add_paragraph(
        "The manager and the new employee agree written goals for the first 90 days within the first two "
        "weeks. Check-in conversations take place on day 30, day 60 and day 90; the probation period ends "
        "after 6 months with a review meeting. New employees may request their learning budget of 1,500 USD "
        "per year from the first month.")
    doc.add_heading("Questions", level=2)
    doc.add_paragraph(
        "Questions about onboarding go to the #ask-people Slack channel or to people@northwind-analytics.com.")

    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    _normalise_zip(path, fixed.timetuple()[:6])
    return path


def _normalise_zip(path: Path, date_time: tuple[int, ...]) -> None:
    """Give every member of the .docx container the same timestamp, so the file's bytes (and
    so its SHA-256 document version) do not change from one run of this script to the next."""
    import io
    import zipfile

    src = zipfile.ZipFile(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            zi = zipfile.ZipInfo(info.filename, date_time=date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    src.close()
    path.write_bytes(buf.getvalue())


# --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "samples")
    args = ap.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    written = [
        write_pdf(employee_handbook(), out / "employee-handbook.pdf"),
        write_pdf(it_security_policy(), out / "it-security-policy.pdf"),
        write_pdf(expense_policy(), out / "expense-policy.pdf"),
        write_pdf(zh_security_policy(), out / "信息安全制度.pdf"),
        onboarding_checklist(out / "onboarding-checklist.docx"),
    ]
    faq = out / "product-faq.md"
    faq.write_text(PRODUCT_FAQ, encoding="utf-8")
    written.append(faq)
    for p in written:
        print(f"{p.relative_to(out.parent) if out.parent in p.parents else p}  {p.stat().st_size:>8,d} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
