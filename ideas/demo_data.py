"""The demo organisation's ideas, as data: colleagues, campaigns, a hundred ideas and their discussions.

Kept apart from ideas/demo.py (which only turns this into rows) so that the code stays short to read.
Some ideas are duplicates on purpose, so that the duplicate detection has something to find: three
near-verbatim re-posts (found at the default score) and about ten paraphrases, some in another language
(harder). A few ideas are department-only or anonymous, and a handful are in French, German or Spanish.
"""

from typing import NamedTuple

# (name, department) of ~35 colleagues besides the demo user of each role; e-mail first.last@demo.ideapool.
COLLEAGUES = (
    ("Lukas Becker", "Engineering"),
    ("Priya Raman", "Engineering"),
    ("Tomasz Nowak", "Engineering"),
    ("Chloé Martin", "Engineering"),
    ("Kenji Sato", "Engineering"),
    ("Ana Ribeiro", "Engineering"),
    ("Marta Kowalska", "Finance"),
    ("Jonas Lindqvist", "Finance"),
    ("Fatima Haddad", "Finance"),
    ("Oliver Hughes", "Finance"),
    ("Isabel Moreno", "Finance"),
    ("Pieter de Vries", "Finance"),
    ("Rafael Costa", "Operations"),
    ("Ingrid Hansen", "Operations"),
    ("Mehmet Yilmaz", "Operations"),
    ("Aisha Bello", "Operations"),
    ("Jan Dvořák", "Operations"),
    ("Chen Wei", "Operations"),
    ("Sofia Rossi", "People"),
    ("Hannah Schmidt", "People"),
    ("Gabriel Dubois", "People"),
    ("Noura Al-Sayed", "People"),
    ("Emma Johansson", "People"),
    ("Carlos Mendoza", "Sales"),
    ("Julia Wagner", "Sales"),
    ("David Cohen", "Sales"),
    ("Léa Fontaine", "Sales"),
    ("Arjun Mehta", "Sales"),
    ("Zanele Dlamini", "Sales"),
    ("María García", "Customer Care"),
    ("Nadia Petrova", "Customer Care"),
    ("Thomas O'Brien", "Customer Care"),
    ("Lucía Fernández", "Customer Care"),
    ("Kwame Mensah", "Customer Care"),
    ("Yuki Tanaka", "Customer Care"),
)


class DemoCampaign(NamedTuple):
    key: str
    title: str
    description: str
    opened_days_ago: int
    closes_in_days: int | None = None  # negative: closed that many days ago


CAMPAIGNS = (
    DemoCampaign(
        "onboarding",
        "How can we cut onboarding time?",
        "New colleagues need about **six weeks** before they feel productive. What would make their first days "
        "and weeks faster and friendlier? Think paperwork, equipment, people and learning.",
        70,
        None,
    ),
    DemoCampaign(
        "green",
        "Greener offices",
        "Offices and travel are most of our footprint. Which changes, big or small, would cut energy, waste and "
        "emissions without making work harder?",
        50,
        30,
    ),
    DemoCampaign(
        "meetings",
        "Fewer meetings",
        "Many of us spend more than half the week in meetings. Which meetings could go, get shorter, or become a "
        "written update?",
        35,
        21,
    ),
    DemoCampaign(
        "hybrid",
        "Making hybrid work work",
        "How should our offices change now that most teams come in two or three days a week? "
        "*This campaign is closed: thank you for your ideas, the facilities team is reviewing them.*",
        89,
        -40,
    ),
)


class DemoIdea(NamedTuple):
    title: str
    body: str
    tags: str
    campaign: str = ""
    flags: str = ""  # "+" popular, "a" anonymous, "d" department-only (of `department`)
    department: str = ""


D = DemoIdea  # one letter keeps the hundred rows below readable

IDEAS = (
    # Onboarding
    D(
        "Assign an onboarding buddy to every new hire",
        "New colleagues spend their first weeks guessing whom to ask. A named buddy from the same team for the "
        "first **60 days** would answer the small questions and make people feel welcome. Buddies could get an "
        "hour a week for it.",
        "onboarding, culture",
        "onboarding",
        "+",
    ),
    D(
        "Give each new joiner a buddy for their first months",
        "When I started I didn't know who to ask about anything. Pairing every newcomer with an experienced "
        "colleague for two or three months would help a lot.",
        "onboarding",
        "onboarding",
    ),
    D(
        "Laptop ready on day one",
        "Too many new hires wait 3–5 days for a laptop and accounts. IT could get the start date from HR two "
        "weeks ahead and have the machine set up and on the desk before day one.",
        "onboarding, it",
        "onboarding",
        "+",
    ),
    D(
        "Accès aux outils dès le premier jour",
        "Nos nouveaux collègues à Lyon attendent souvent une semaine pour obtenir leurs accès (messagerie, VPN, "
        "outil RH). Ne pourrait-on pas créer les comptes automatiquement dès la signature du contrat ?",
        "onboarding, it",
        "onboarding",
    ),
    D(
        "One onboarding checklist instead of five",
        "HR, IT, facilities, security and the team each send their own list. Merge them into a single checklist "
        "on the intranet, with an owner and a due date per item, so nothing falls through the cracks.",
        "onboarding, process",
        "onboarding",
    ),
    D(
        "Record the welcome sessions",
        "The welcome talks run once a month, so people who start mid-month wait weeks. Recording them, with a "
        "short live Q&A, lets everyone watch in their first week.",
        "onboarding, learning",
        "onboarding",
    ),
    D(
        "Pre-boarding portal before the first day",
        "Let new hires sign their contract, upload documents and choose their equipment before they start. Day "
        "one can then be about people, not paperwork.",
        "onboarding, hr",
        "onboarding",
    ),
    D(
        "30-60-90 day plan template for managers",
        "Managers improvise the first three months. A short template with goals for day 30, 60 and 90 would set "
        "expectations on both sides.",
        "onboarding, management",
        "onboarding",
    ),
    D(
        "Org chart with photos and 'ask me about' topics",
        "Finding the right person is hard in a company our size. An org chart with photos, locations and one line "
        "on what each person can help with would speed everyone up, not only newcomers.",
        "onboarding, communication, tooling",
    ),
    # IT and tooling
    D(
        "Single sign-on for all internal tools",
        "I have eleven different passwords for internal tools. Connecting the remaining apps to our identity "
        "provider would save time and cut password resets, which are the **top IT ticket**.",
        "it, security",
        "",
        "+",
    ),
    D(
        "One login for every internal application",
        "Why do I need a separate account for the travel tool, the wiki and the expense system? A single company "
        "login everywhere would be simpler and safer.",
        "it, security",
    ),
    D(
        "Self-service password reset",
        "Password resets still need a call to the help desk, which is closed at night in Asia. A self-service "
        "reset with multi-factor authentication would fix this for everyone.",
        "it, security",
    ),
    D(
        "Room bookings that sync between phone and desktop",
        "Rooms booked in the mobile app show up on desktop hours later, so we get double bookings every week. "
        "Fixing the sync would save a lot of awkward doorway conversations.",
        "it, office",
    ),
    D(
        "Fix the intranet search",
        "The intranet search returns outdated pages first. Either fix the ranking or let us search the wiki and "
        "the document store from one box.",
        "it, tooling",
    ),
    D(
        "Dark mode for the internal portal",
        "Many of us work late with colleagues in other time zones. A dark theme would be easier on the eyes.",
        "tooling",
    ),
    D(
        "A status page for internal systems",
        "When the VPN or e-mail is down, the help desk gets hundreds of tickets about the same thing. A status "
        "page would tell people the problem is known and being fixed.",
        "it, communication",
    ),
    D(
        "Developer laptops with 32 GB of RAM",
        "Engineers lose minutes on every build with 16 GB machines. The upgrade costs less than a day of salary "
        "per person and pays for itself within a month.",
        "it, engineering",
        "",
        "d",
        "Engineering",
    ),
    D(
        "Internal package mirror to speed up builds",
        "Our CI downloads the same dependencies thousands of times a day. A local mirror would make builds faster "
        "and keep them working when an upstream registry is down.",
        "engineering, tooling",
        "",
        "d",
        "Engineering",
    ),
    D(
        "Keep chat history longer than 90 days",
        "Decisions get lost when chat history is deleted after 90 days. A year would be enough for most teams; "
        "sensitive channels could keep the short setting.",
        "communication, tooling",
    ),
    D(
        "Templates for IT help desk tickets",
        "Half of my tickets get a reply asking for more details. Three templates (new software, access request, "
        "broken hardware) would get the right information the first time.",
        "it, process",
    ),
    D(
        "Password manager for everyone",
        "Too many people keep passwords in spreadsheets. A company password manager would be safer and easier, "
        "and it can share team credentials properly.",
        "it, security",
    ),
    # Travel
    D(
        "Book trains instead of flights under 500 km",
        "For trips under 500 km the train is often as fast door to door and emits a fraction of the CO₂. Make "
        "rail the default in the travel tool for those routes; flights would need a reason.",
        "travel, sustainability",
        "green",
        "+",
    ),
    D(
        "Prefer rail over short-haul flights",
        "Most flights between our European offices could be train rides. The travel policy should say so clearly.",
        "travel, sustainability",
        "green",
    ),
    D(
        "Reiserichtlinie: erste Klasse ab vier Stunden Bahnfahrt",
        "Wer vier Stunden oder länger im Zug arbeitet, sollte erste Klasse fahren dürfen. Das ist oft günstiger "
        "als ein Flug, und man kann unterwegs wirklich arbeiten.",
        "travel",
    ),
    D(
        "Faster travel approvals",
        "Trip approvals sometimes take a week and fares go up meanwhile. Trips within budget and policy could be "
        "approved automatically.",
        "travel, finance",
    ),
    D(
        "Per diems paid with the next salary",
        "Travel allowances arrive up to six weeks after the trip. Paying them with the next salary run would help "
        "junior colleagues who advance the money.",
        "travel, finance",
    ),
    D(
        "Electric pool cars for client visits",
        "Sales colleagues in Madrid rent a car for every client visit. A few electric pool cars, booked like "
        "meeting rooms, would be cheaper and cleaner.",
        "travel, sustainability, sales",
        "green",
    ),
    # Meetings
    D(
        "Meeting-free Wednesdays",
        "One day a week without internal meetings would give everyone time for focused work. Exceptions for "
        "customers and incidents, of course.",
        "meetings, wellbeing",
        "meetings",
        "+",
    ),
    D(
        "A no-meeting day every week",
        "Let's block one day per week, company-wide, with no internal meetings, so people can get deep work done.",
        "meetings",
        "meetings",
    ),
    D(
        "Default meetings to 25 and 50 minutes",
        "Back-to-back meetings leave no time to get a coffee or prepare. If the calendar defaulted to 25 and 50 "
        "minutes, everyone would get a short break.",
        "meetings, wellbeing",
        "meetings",
    ),
    D(
        "No agenda, no meeting",
        "Invitations without an agenda could be declined politely. A short agenda lets people come prepared and "
        "decide whether they need to attend.",
        "meetings",
        "meetings",
    ),
    D(
        "Written updates instead of status meetings",
        "Our weekly status meeting is twelve people reading their updates aloud. A shared written update on "
        "Monday, and a 15-minute call only for blockers, would free hours.",
        "meetings, communication",
        "meetings",
    ),
    D(
        "Show the cost of a meeting in the invite",
        "If the invite showed an estimate of what a meeting costs (people × hours), we would think twice before "
        "inviting twenty people.",
        "meetings, finance",
        "meetings",
    ),
    D(
        "Rotate meeting times for global teams",
        "Colleagues in Singapore always join our team call at 10 pm. Rotating the slot would share the "
        "inconvenience fairly.",
        "meetings, wellbeing",
        "meetings",
    ),
    D(
        "Menos reuniones los viernes por la tarde",
        "Los viernes por la tarde muchas reuniones se podrían resolver con un correo. Propongo no convocar "
        "reuniones internas después de las 14:00 los viernes.",
        "meetings",
        "meetings",
    ),
    D(
        "Recordings and a summary of every all-hands",
        "Not everyone can attend the all-hands live. Publish the recording and a one-page summary the same day.",
        "meetings, communication",
    ),
    # Sustainability
    D(
        "Reusable cups instead of paper cups",
        "Each office throws away thousands of paper cups a month. Put reusable cups at every coffee machine and "
        "stop buying disposable ones.",
        "sustainability, office",
        "green",
        "+",
    ),
    D(
        "Stop buying disposable coffee cups",
        "Let's ban single-use cups in our kitchens. Everyone can bring a mug, and we can keep company mugs for "
        "visitors.",
        "sustainability, office",
        "green",
    ),
    D(
        "No more paper cups at the coffee machines",
        "Every office throws away thousands of paper cups each month. Please put reusable cups at the coffee "
        "machines and stop buying paper cups.",
        "sustainability",
        "green",
    ),
    D(
        "Switch off screens and lights at night",
        "Walk through the office at 10 pm: half the monitors and meeting-room screens are on. Smart plugs or a "
        "building timer would save energy.",
        "sustainability, office",
        "green",
    ),
    D(
        "Solar panels on the Lisbon warehouse roof",
        "The warehouse roof is large, flat and sunny most of the year. Panels could cover a good part of the "
        "site's electricity within a few years.",
        "sustainability, facilities",
        "green",
    ),
    D(
        "Separate bins for organic waste",
        "Most of our kitchen waste is organic but goes into general waste. Compost bins are cheap, and the "
        "building's contractor already collects them.",
        "sustainability, office",
        "green",
    ),
    D(
        "Bike parking and showers at headquarters",
        "More people would cycle to work with secure bike parking and a shower. The underground car park has "
        "unused space.",
        "sustainability, wellbeing, office",
        "green",
    ),
    D(
        "Publish our carbon footprint per department",
        "We can't reduce what we don't measure. A yearly footprint per department (travel, energy, purchasing) "
        "would show where to act first.",
        "sustainability, data",
        "green",
    ),
    D(
        "Plus de plantes dans les bureaux",
        "Des plantes dans les open spaces améliorent la qualité de l'air et l'ambiance. Une entreprise locale "
        "peut s'en occuper pour un coût modeste.",
        "office, wellbeing",
        "green",
    ),
    D(
        "Refurbished laptops for office roles",
        "Most office roles don't need a brand-new machine. Buying refurbished laptops would cut cost and e-waste.",
        "sustainability, it",
        "green",
    ),
    D(
        "Print double-sided and black-and-white by default",
        "Set every printer to double-sided black and white by default; people who need colour can still choose it.",
        "sustainability, office",
        "green",
    ),
    # Hiring
    D(
        "Share salary ranges in job ads",
        "Candidates drop out late when they learn the range. Publishing ranges in every job ad saves time on both "
        "sides, and it is becoming law in several of our countries.",
        "hiring, hr",
    ),
    D(
        "Higher referral bonus for hard-to-fill roles",
        "Our best hires came through referrals. A higher bonus for roles open longer than 90 days would motivate "
        "people to recommend friends.",
        "hiring",
    ),
    D(
        "Structured interviews with the same questions",
        "Each interviewer asks whatever they like, so candidates are hard to compare. A short list of questions "
        "per role and a scoring sheet would make decisions fairer.",
        "hiring, process",
    ),
    D(
        "Answer every candidate within two weeks",
        "Many applicants never hear back from us. A friendly status e-mail after two weeks protects our "
        "reputation as an employer.",
        "hiring, communication",
    ),
    D(
        "Internal job board first",
        "Open positions should be visible internally a week before they go public. People leave because they "
        "don't know about opportunities next door.",
        "hiring, careers",
    ),
    D(
        "Post vacancies internally before advertising them",
        "Give current employees a head start: publish open roles on the intranet first, then externally.",
        "hiring, careers",
    ),
    # Customer care
    D(
        "One customer history across all channels",
        "When a customer calls after writing an e-mail, the agent can't see the e-mail thread. One timeline of "
        "every contact would save minutes per call and annoy customers less.",
        "customer care, tooling",
        "",
        "+",
    ),
    D(
        "Offer a callback instead of waiting on hold",
        "Offer customers a callback when the wait is over five minutes. It keeps them happier and smooths the "
        "peaks for the team.",
        "customer care",
        "",
        "d",
        "Customer Care",
    ),
    D(
        "Let agents write knowledge base articles",
        "Agents know the real answers. Let them write and update knowledge base articles, with a light review, "
        "instead of waiting for the documentation team.",
        "customer care, knowledge",
        "",
        "d",
        "Customer Care",
    ),
    D(
        "A quiet room after difficult calls",
        "After an aggressive call you need five minutes to breathe before the next one. A quiet room, and the "
        "right to take that break, would help a lot.",
        "customer care, wellbeing",
        "",
        "da",
        "Customer Care",
    ),
    D(
        "Monthly customer feedback digest for product teams",
        "Every month, send product teams the ten most frequent customer complaints with real examples. They "
        "rarely hear them first-hand.",
        "customer care, product, communication",
    ),
    D(
        "Atención al cliente los sábados por la mañana",
        "Muchos clientes de Latinoamérica nos escriben el sábado y esperan hasta el lunes. Un turno reducido el "
        "sábado por la mañana cubriría la mayoría de las consultas.",
        "customer care",
    ),
    # Finance processes
    D(
        "Auto-approve expenses under 50 euros",
        "Managers spend hours approving coffee receipts. Small expenses within policy could be approved "
        "automatically, with random spot checks.",
        "finance, process",
        "",
        "+",
    ),
    D(
        "Skip manager approval for small expense claims",
        "Needing a manager's approval for a €12 taxi receipt wastes everyone's time. Claims below a threshold "
        "could go straight to payment.",
        "finance, process",
    ),
    D(
        "Auto-approve small expenses",
        "Managers spend hours approving small receipts. Expenses under 50 euros within policy could be approved "
        "automatically, with spot checks.",
        "finance",
    ),
    D(
        "Photograph receipts in the expense app",
        "Keeping paper receipts for a month is a pain. Let us photograph them in the expense app and read the "
        "amount automatically.",
        "finance, tooling",
    ),
    D(
        "Pay small suppliers within 30 days",
        "Small suppliers wait up to 90 days for their money. Paying within 30 days would strengthen relationships "
        "and get us better prices.",
        "finance, purchasing",
        "",
        "d",
        "Finance",
    ),
    D(
        "One approval step for purchases under 1,000 euros",
        "Small purchases go through four approval steps. One manager approval should be enough below 1,000 euros.",
        "finance, process, purchasing",
    ),
    D(
        "Company cards for frequent travellers",
        "Frequent travellers advance thousands of euros a month. A company card would stop us financing the "
        "company out of our own pockets.",
        "finance, travel",
        "",
        "a",
    ),
    D(
        "Quarter-end close checklist with owners",
        "The quarter-end close depends on who remembers what. A shared checklist with owners and deadlines would "
        "make it calmer.",
        "finance, process",
        "",
        "d",
        "Finance",
    ),
    D(
        "Rechnungen nur noch digital empfangen",
        "Wir drucken Lieferantenrechnungen immer noch aus, um sie wieder einzuscannen. Alle Lieferanten sollten "
        "Rechnungen als PDF oder E-Rechnung an eine zentrale Adresse schicken.",
        "finance, sustainability",
    ),
    # Wellbeing
    D(
        "Two mental health days a year",
        "Two extra days a year that anyone can take without explanation, on top of sick leave. Burnout costs far "
        "more than two days.",
        "wellbeing, hr",
        "",
        "+",
    ),
    D(
        "Free flu vaccinations at the office",
        "Offer flu shots on site every autumn. It's cheap and reduces absences in winter.",
        "wellbeing",
    ),
    D(
        "Right to disconnect after 7 pm",
        "Agree that nobody is expected to answer e-mails or chat after 7 pm local time, and use scheduled sending "
        "instead.",
        "wellbeing, communication",
        "",
        "a",
    ),
    D(
        "Walking one-to-ones",
        "For one-to-ones, a walk outside is often better than a meeting room. We could suggest a few routes "
        "around each office.",
        "wellbeing, meetings",
    ),
    D(
        "Ergonomic check for home offices",
        "Many of us work from home on kitchen chairs. A short video consultation and a budget for a chair or "
        "screen would prevent back problems.",
        "wellbeing, remote work",
    ),
    D(
        "Standing desks in every office",
        "Sitting all day is bad for us. Height-adjustable desks should be standard whenever furniture is replaced.",
        "wellbeing, office",
    ),
    D(
        "Height-adjustable desks for everyone",
        "Can we get sit-stand desks? Switching between sitting and standing helps with back pain and concentration.",
        "wellbeing, office",
    ),
    D(
        "Standing desks for every office",
        "Sitting all day is bad for our backs. Height-adjustable standing desks should be standard in every office.",
        "wellbeing",
    ),
    # Office and hybrid work
    D(
        "Book desks by team neighbourhood",
        "With hybrid work, teams never sit together. Let teams book a zone so people who come in on the same day "
        "can actually meet.",
        "office, hybrid",
        "hybrid",
    ),
    D(
        "Quiet zones in the open space",
        "Mark one area per floor as a quiet zone: no calls, no chats. Phone booths for calls right next to it.",
        "office, wellbeing",
        "hybrid",
    ),
    D(
        "Lockers for hybrid workers",
        "Without fixed desks we carry everything home every day. Lockers near the entrance would solve this.",
        "office, hybrid",
        "hybrid",
    ),
    D(
        "Office occupancy dashboard",
        "Show how busy each office is per day, so people can pick a calmer day or join their team.",
        "office, data, hybrid",
        "hybrid",
    ),
    D(
        "Proper video equipment in every meeting room",
        "In hybrid meetings, remote colleagues can't hear people at the far end of the table. A good microphone "
        "and a camera at eye level in every room would make hybrid meetings fair.",
        "office, meetings, hybrid",
        "hybrid",
        "+",
    ),
    D(
        "Team anchor days instead of one rule for all",
        "Instead of one rule for the whole company, let each team agree on its office days and write them down.",
        "hybrid, meetings",
        "hybrid",
    ),
    D(
        "Better coffee in the Warsaw office",
        "The machine on the third floor has been broken for a month and the other one makes something brown. Please!",
        "office",
    ),
    D(
        "A parents' room at headquarters",
        "A small private room for nursing parents, with a fridge and a lock. It's required by law in some "
        "countries and the right thing everywhere.",
        "office, wellbeing",
    ),
    D(
        "Print visitor badges automatically",
        "Visitors wait at reception while someone types their name. Registering visitors in the calendar invite "
        "could print the badge when they arrive.",
        "office, tooling",
    ),
    # Learning and careers
    D(
        "A learning budget for every person",
        "Give everyone a yearly budget (say 1,000 euros) for courses, books or conferences, with no approval "
        "needed under that amount.",
        "learning, careers",
        "",
        "+",
    ),
    D(
        "Lunch-and-learn sessions by colleagues",
        "Once a month a colleague presents something they know well: spreadsheet tricks, negotiation, how the "
        "warehouse works. Cheap, and great for meeting other teams.",
        "learning, culture",
    ),
    D(
        "Job shadowing across departments",
        "Spend a day with another department once a year. Finance would understand sales, and the other way round.",
        "learning, culture",
    ),
    D(
        "Language courses for international teams",
        "With staff in 29 countries, many of us work in our second or third language. Subsidised English and "
        "local-language courses would help.",
        "learning",
    ),
    D(
        "Cours d'anglais professionnel pour les équipes terrain",
        "Les techniciens de terrain doivent lire la documentation en anglais. Des cours courts et pratiques, "
        "pendant le temps de travail, seraient très utiles.",
        "learning",
    ),
    D(
        "Internal mentoring programme",
        "Pair people who want to grow with experienced colleagues outside their reporting line, for six months at "
        "a time.",
        "learning, careers",
    ),
    D(
        "Phishing tests with instant feedback",
        "When someone clicks a simulated phishing link, show them right away what they missed, instead of a "
        "training a month later.",
        "security, learning",
    ),
    # Communication and culture
    D(
        "Monthly 'ask the executives anything'",
        "An open Q&A with the leadership team, with questions submitted in advance and voted on. It builds trust.",
        "communication, culture",
    ),
    D(
        "Translate company announcements",
        "Important announcements are in English only. Machine translation into our main languages, checked by a "
        "local colleague, would reach many more people.",
        "communication",
    ),
    D(
        "Celebrate ideas that shipped",
        "When an idea from this platform is done, tell its story in the newsletter together with the people who "
        "proposed it. People post more when they see results.",
        "culture, communication",
    ),
    D(
        "One weekly digest instead of daily all-staff e-mails",
        "My inbox gets three company-wide e-mails a day. One weekly digest would be read more carefully.",
        "communication",
    ),
    D(
        "Team budget for a social event",
        "A small yearly budget per team for a dinner or an activity. Remote teams especially need a reason to meet.",
        "culture, wellbeing",
    ),
    D(
        "Flexible public holidays",
        "Our colleagues in 29 countries celebrate different holidays. Let people swap two public holidays for "
        "days that matter to them.",
        "hr, culture",
    ),
    D(
        "Exit interview summaries for leadership",
        "People tell HR why they leave, but nobody sees the pattern. A quarterly anonymised summary for the "
        "leadership team would help us keep people.",
        "hr",
        "",
        "a",
    ),
    D(
        "Simpler performance reviews",
        "The annual review form takes a day to fill in. Three questions and short regular check-ins would be more "
        "useful.",
        "hr, management",
    ),
    D(
        "Monthly HR office hours for every country",
        "HR visits smaller sites once a year. A monthly video office hour per country would make HR reachable.",
        "hr, communication",
    ),
    # Data and sales
    D(
        "A catalogue of our reports and dashboards",
        "We have hundreds of dashboards and nobody knows which one is right. A catalogue with owners and "
        "definitions would stop duplicate reports.",
        "data, tooling",
    ),
    D(
        "Shared library of winning proposals",
        "We rewrite the same proposal sections every week. A searchable library of past winning proposals would "
        "save hours.",
        "sales, knowledge",
        "",
        "d",
        "Sales",
    ),
    D(
        "Cut the CRM opportunity form to what we use",
        "The opportunity form has 48 fields and we fill in 9. Removing the rest would make entry faster and the "
        "data more reliable.",
        "sales, tooling",
    ),
    D(
        "Customer reference programme",
        "Happy customers could talk to prospects. A small programme with a list of willing references would "
        "shorten sales cycles.",
        "sales, customer care",
    ),
)


class Say(NamedTuple):
    """One comment of a discussion: a reply when `reply_to` is the index of an earlier one."""

    text: str
    reply_to: int | None = None
    by_author: bool = False


# Discussions of some ideas, by title; the other ideas get a few of the generic comments below.
THREADS = {
    "Assign an onboarding buddy to every new hire": (
        Say("We do this informally in the Porto team and it works really well. Making it official would help."),
        Say("Who picks the buddy? It shouldn't always land on the same two helpful people.", None),
        Say("Good point. Maybe a rota, and it counts as part of your objectives.", 1, True),
        Say("Would love a short guide for buddies too: what to cover in week one, week two…", None),
        Say("+1, I'd volunteer."),
    ),
    "Laptop ready on day one": (
        Say("I spent my first three days reading PDFs on my phone. This should be the first thing we fix."),
        Say("The delay is usually the purchase order, not the set-up. Keeping a small stock of laptops would help.", 0),
        Say("Exactly, we have no buffer stock at all in the smaller sites.", 1, True),
        Say("Accounts are the other half: the e-mail account often arrives a day after the laptop."),
    ),
    "Single sign-on for all internal tools": (
        Say("The expense tool is the worst offender, it asks me to change my password every 30 days."),
        Say("Security team here: we are in favour. The blocker is a few old tools that don't support SAML.", None),
        Say("Could we list which ones? Some might be retired anyway.", 1),
        Say("I'll share the list in the IT channel.", 2),
        Say("Please include the wiki, it's the one I use most."),
    ),
    "Book trains instead of flights under 500 km": (
        Say("Paris–Brussels by train is faster than flying once you count the airport."),
        Say("For some routes the train is twice the price. Would the budget allow for that?", None),
        Say("The policy could count the whole cost: the taxi to the airport and the working time lost.", 1, True),
        Say("And you can actually work on the train."),
    ),
    "Meeting-free Wednesdays": (
        Say("We tried this in Engineering last quarter. Hard the first month, great after that."),
        Say("What about teams that work with customers all day? Wednesday is a normal day for them.", None),
        Say("It would be about internal meetings only. Customer calls are fine.", 1, True),
        Say("Friday might be better than Wednesday, fewer people travel then."),
        Say("Wednesday breaks the week in two halves, that's the point.", 3),
        Say("Could we try it for a quarter and measure it?"),
    ),
    "Default meetings to 25 and 50 minutes": (
        Say("Our calendar tool has a setting for this ('speedy meetings'). It just needs switching on by default."),
        Say("Only works if people actually end on time…", 0),
    ),
    "Reusable cups instead of paper cups": (
        Say("The Berlin office did this last year and the dishwasher load was the only issue."),
        Say("How many more dishwasher runs are we talking about?", 0),
        Say("One extra run per day for about 120 people.", 1),
        Say("Visitors could get a cup they can take home, with the logo. Nice marketing too."),
    ),
    "Share salary ranges in job ads": (
        Say("This is already mandatory in some of our countries, so we have to do the work anyway."),
        Say("Would we also share ranges internally for existing roles?", None),
        Say("That would be the logical next step, yes.", 1, True),
    ),
    "One customer history across all channels": (
        Say("This is the number one frustration in our team. Customers repeat themselves three times."),
        Say("Does the new CRM module do this out of the box?", 0),
        Say("Partly: e-mail and chat yes, phone calls no.", 1),
        Say("Even e-mail and chat would be a big step."),
    ),
    "Auto-approve expenses under 50 euros": (
        Say("Finance here. Spot checks on 5 % of claims would be enough for audit, as far as I know."),
        Say("I approve about 40 small claims a week. This would give me back an hour.", None),
        Say("As long as the threshold is per receipt, not per claim.", 0),
    ),
    "Two mental health days a year": (
        Say("Stigma is the real problem. Not having to explain would help people take the day before it gets worse."),
        Say("Some countries already give more days than others. How would this work across all of them?", None),
        Say("It would come on top of local rules, so everyone gets at least two.", 1),
    ),
    "Proper video equipment in every meeting room": (
        Say("Room 4.12 in Lisbon has a good set-up and it makes a huge difference. Copy it everywhere."),
        Say("Also a second screen, so we can see the people and the slides at the same time.", 0),
        Say("Facilities answered in the last town hall: budget for this is in next year's plan.", None),
    ),
    "A learning budget for every person": (
        Say("Would books and online subscriptions count, or only courses?"),
        Say("Books and subscriptions too, that's the point: you decide what helps you.", 0, True),
        Say("Some people would need time as well, not only money. Two learning days a year?"),
        Say("Yes, money without time doesn't work.", 2),
    ),
    "Celebrate ideas that shipped": (
        Say("Closing the loop is what will make people use this platform at all."),
        Say("And credit the people who voted and commented too, not only the author."),
    ),
    "Flexible public holidays": (
        Say("This would mean a lot to colleagues whose religious holidays are not public holidays here."),
        Say("How would we keep customer care covered on the big holidays?", None),
        Say("Same as now with annual leave: the team plans it together.", 1),
    ),
    "Menos reuniones los viernes por la tarde": (
        Say("¡Totalmente de acuerdo! Los viernes a las 16:00 nadie está concentrado."),
        Say("In the Madrid office this would be very welcome. Maybe make it an official guideline.", 0),
    ),
    "Accès aux outils dès le premier jour": (
        Say("Même chose à Marseille. Le problème vient souvent de la validation du manager."),
        Say("This looks like the same idea as 'Laptop ready on day one'. Maybe vote there too?"),
    ),
    "Right to disconnect after 7 pm": (
        Say("Scheduled sending is a good compromise: you write when it suits you, they read it in the morning."),
        Say("Managers need to set the example, otherwise nothing changes.", 0),
    ),
    "Internal job board first": (
        Say("I found my current role by chance through a friend. A board would make it fair."),
        Say("Managers would need to accept that people move. Maybe a rule that they can't block a transfer?", 0),
    ),
    "Better coffee in the Warsaw office": (
        Say("Can confirm. The brown liquid is not coffee."),
        Say("Facilities has ordered the repair, should be fixed next week.", 0),
        Say("Thank you!! 🙏", 1, True),
    ),
    "A quiet room after difficult calls": (
        Say("Yes. Some calls stay with you for the rest of the day."),
        Say("Team leads could also allow a short break in the planning tool without it counting against us.", 0),
    ),
    "Developer laptops with 32 GB of RAM": (
        Say("My build takes 11 minutes on 16 GB and 4 on a colleague's 32 GB machine."),
        Say("Let's collect numbers from a few teams and put them in the budget request.", 0, True),
    ),
}

GENERIC_COMMENTS = (
    "+1, this would save me time every week.",
    "We tried something similar in my previous company and it worked well.",
    "What would this cost, roughly? It would help to have a number.",
    "Who would own this once it's in place?",
    "Great idea. Could we start with a pilot in one office?",
    "Is there data on how many people this affects?",
    "I like it, but let's make sure it works for the smaller sites too.",
    "This comes up in every team meeting we have. Thanks for posting it!",
    "Would this need approval from the works council in some countries?",
    "Simple and cheap. I don't see why we shouldn't.",
    "Could be combined with other ideas on the same topic.",
    "Our team would be happy to test this.",
)

GENERIC_REPLIES = (
    "Good point, a pilot would tell us.",
    "Agreed, let's start small.",
    "I asked around: at least three teams have the same problem.",
    "Fair question. I'll try to find out.",
    "Not much, as far as I can tell.",
    "Yes, that's a good idea.",
)
