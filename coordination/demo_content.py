"""Demo data written from the two source papers: initiatives, meetings and action items."""

from __future__ import annotations

from typing import Any

DEPARTMENTS: list[dict[str, str]] = [
    {
        "code": "NSS-SC",
        "name_en": "Security Cooperation Department, National Security Secretariat",
        "name_ja": "国家安全保障局 安全保障協力部",
    },
    {
        "code": "NSS-STRATCOM",
        "name_en": "Strategic Communications Center, National Security Secretariat",
        "name_ja": "国家安全保障局 戦略的コミュニケーション・センター",
    },
]

INITIATIVES: list[dict[str, str]] = [
    {
        "code": "P1-STRATEGY",
        "department": "NSS-SC",
        "title_en": "Defense diplomacy strategy",
        "title_ja": "防衛外交戦略の策定",
        "description": (
            "Draft a government-wide strategy, consistent with the National Security Strategy and the defense program "
            "guidelines, that sets goals, regional and functional priorities and the resources defense engagement "
            "needs. It gives NSS, MOD and MOFA one direction and supports future budget requests."
        ),
    },
    {
        "code": "P2-COMMAND",
        "department": "NSS-SC",
        "title_en": "Cross-ministerial command center for security cooperation",
        "title_ja": "防衛外交の省庁横断的な司令塔の設置",
        "description": (
            "Stand up the security cooperation department in the NSS so that it can plan and run measures involving "
            "several ministries and prepare joint budget requests. MOFA and MOD name liaison officers, and MLIT, JCG, "
            "MIC, MHLW, METI and MOF are brought into regular coordination."
        ),
    },
    {
        "code": "P3-STRATCOM",
        "department": "NSS-STRATCOM",
        "title_en": "Strategic communications in defense diplomacy",
        "title_ja": "防衛外交における戦略的コミュニケーションの強化",
        "description": (
            "Run a center under an NSS deputy director general that keeps government messages consistent from "
            "planning through to after-action review. Defense engagement is planned with its message in mind, and "
            "MOD sets up its own communications office and training."
        ),
    },
    {
        "code": "P4-ACCESS",
        "department": "NSS-SC",
        "title_en": "Legal frameworks for combined training and operations with partners",
        "title_ja": "共同訓練・共同行動のための法的枠組みの整備",
        "description": (
            "Build on the reciprocal access agreement with Australia with similar agreements with the UK and France, "
            "and later India. Prepare the ground for hosting partner aircraft on SDF ships (cross-decking) and for "
            "exchanging senior officers with allies."
        ),
    },
    {
        "code": "P5-CIVCONTROL",
        "department": "NSS-SC",
        "title_en": "Civilian control through capacity building",
        "title_ja": "能力構築支援を通じた文民統制の普及",
        "description": (
            "Add education on civilian control of the military to capacity building for partners whose democratic "
            "institutions are fragile. Officer exchanges and places for foreign students at SDF schools are used "
            "alongside technical assistance."
        ),
    },
    {
        "code": "P6-EQUIPRESEARCH",
        "department": "NSS-SC",
        "title_en": "Research base for defense equipment transfers",
        "title_ja": "防衛装備移転のための知的基盤の拡充",
        "description": (
            "Set up a research institution that follows both defense technology and international market trends, so "
            "that equipment transfers serve defense diplomacy. So far the only finished product sold abroad is an "
            "air defense radar for the Philippines, under a contract signed in August 2020."
        ),
    },
    {
        "code": "P7-COOPFUND",
        "department": "NSS-SC",
        "title_en": "Budgeted security cooperation program",
        "title_ja": "安全保障協力のための予算枠組みの創設",
        "description": (
            "Create an earmarked budget that MOD and the SDF can draw on for partner training, exchanges and "
            "equipment, modelled on Australia's Defence Cooperation Program (roughly 6 to 12 billion yen a year). "
            "Today these costs are found case by case, which is neither strategic nor reliable."
        ),
    },
    {
        "code": "P8-HYBRID",
        "department": "NSS-SC",
        "title_en": "Indo-Pacific centre of excellence for countering hybrid threats",
        "title_ja": "インド太平洋ハイブリッド脅威対策センター・オブ・エクセレンスの設立",
        "description": (
            "With like-minded partners, set up a multinational centre that shares information, carries out research, "
            "works out countermeasures to hybrid threats together and supports exercises. It should cooperate with "
            "the European centre set up by the EU, NATO and member states."
        ),
    },
    {
        "code": "P9-PEACEOPS",
        "department": "NSS-SC",
        "title_en": "International peace cooperation",
        "title_ja": "国際平和協力への貢献の拡大",
        "description": (
            "Support UN peacekeeping in new ways: ASDF airlift for partner troops, medical, engineering and transport "
            "equipment for the UN, and a larger role in the Triangular Partnership Program. The same work "
            "strengthens bilateral and multilateral defense ties."
        ),
    },
    {
        "code": "NEO-CONTINGENCY",
        "department": "NSS-SC",
        "title_en": "Protection of Japanese nationals abroad in a contingency",
        "title_ja": "有事における在外邦人保護のための協力枠組み",
        "description": (
            "Build cooperation with capable partners to move Japanese nationals out of South Korea (about 41,000 "
            "residents) or Taiwan (about 25,000) if a crisis breaks out. SDF aircraft may not be allowed in, so civil "
            "transport and partner support must be planned in advance."
        ),
    },
    {
        "code": "UKRAINE-SUPPORT",
        "department": "NSS-SC",
        "title_en": "Support for Ukraine and its neighbours",
        "title_ja": "ウクライナ及び周辺国への支援",
        "description": (
            "Provide more substantial equipment and supplies to Ukraine, help its neighbouring countries and prepare "
            "to take a leading part in reconstruction. Help given now also builds the goodwill Japan would need from "
            "European partners in a contingency of its own."
        ),
    },
    {
        "code": "EU-CSDP-AFRICA",
        "department": "NSS-SC",
        "title_en": "Contributions to EU CSDP missions in Africa",
        "title_ja": "アフリカにおけるEU共通安全保障・防衛政策(CSDP)ミッションへの貢献",
        "description": (
            "Consider EU stabilisation and training missions in Africa as a way for Japan to contribute to "
            "international operations now that SDF units are no longer sent to peace operations. The aim is a "
            "visible contribution that European partners and the US will value."
        ),
    },
    {
        "code": "EQUIPMENT-EXPORT",
        "department": "NSS-SC",
        "title_en": "Defense equipment export system",
        "title_ja": "官民一体の防衛装備品輸出体制の構築",
        "description": (
            "Build an export system in which government, industry, embassies and defense attachés work together, "
            "learning from South Korea, whose defense exports rose from about $200 million in 2006 to about "
            "$3.6 billion in 2014. Exports are treated as a tool of defense diplomacy and a support for the "
            "defense industrial base."
        ),
    },
    {
        "code": "VIENTIANE-VISION",
        "department": "NSS-SC",
        "title_en": "Vientiane Vision programs with ASEAN",
        "title_ja": "ビエンチャン・ビジョンに基づくASEANとの防衛協力",
        "description": (
            "Carry forward the programs of the 2016 Vientiane Vision: a shared understanding of maritime and air "
            "law, capacity building for surveillance and search and rescue, equipment and technology cooperation, "
            "multilateral training with ASEAN observers, and exchanges for opinion leaders."
        ),
    },
]

MEETINGS: list[dict[str, Any]] = [
    {
        "key": "sc-kickoff",
        "department": "NSS-SC",
        "title": "Security cooperation department kickoff with ministries and agencies",
        "title_ja": "安全保障協力部と関係省庁の発足会合",
        "days_ago": 60,
        "agencies": ["MOD", "MOFA", "MOF", "METI", "MLIT", "JCG", "MIC", "MHLW", "ATLA"],
        "notes": (
            "First meeting of the department with all participating ministries. Agreed the work plan for the "
            "strategy, the liaison roster and the budget process, and asked MOD to study Australia's cooperation "
            "program."
        ),
    },
    {
        "key": "access-legal-wg",
        "department": "NSS-SC",
        "title": "Working group on access agreements and exercise frameworks",
        "title_ja": "円滑化協定と共同訓練の枠組みに関する作業部会",
        "days_ago": 45,
        "agencies": ["MOFA", "MOD"],
        "notes": (
            "Reviewed progress since the agreement in principle with Australia and set the order of work for the UK, "
            "France and India. Also asked MOD for studies on cross-decking and senior officer exchange."
        ),
    },
    {
        "key": "export-council",
        "department": "NSS-SC",
        "title": "Equipment transfer and export coordination council",
        "title_ja": "防衛装備移転・輸出調整会議",
        "days_ago": 35,
        "agencies": ["METI", "ATLA", "MOD", "MOFA", "MOF"],
        "notes": (
            "Discussed a research institution on defense markets and lessons from South Korea's export growth. "
            "Members agreed that attachés and industry must be involved from the start."
        ),
    },
    {
        "key": "stratcom-sync",
        "department": "NSS-STRATCOM",
        "title": "Strategic communications synchronization meeting",
        "title_ja": "戦略的コミュニケーション調整会議",
        "days_ago": 28,
        "agencies": ["MOD", "MOFA", "MIC"],
        "notes": (
            "Agreed to write a core message framework before the next exercise season. MOD will outline a Defense "
            "Communication Office and a training plan."
        ),
    },
    {
        "key": "hybrid-coe-planning",
        "department": "NSS-SC",
        "title": "Planning meeting on a hybrid threats centre of excellence",
        "title_ja": "ハイブリッド脅威対策センター・オブ・エクセレンス企画会議",
        "days_ago": 24,
        "agencies": ["MOD", "MOFA", "MIC", "JCG"],
        "notes": (
            "Agreed the centre's four functions as the basis for a concept note. Intelligence and cyber sharing "
            "questions were handed to a restricted sub-group."
        ),
    },
    {
        "key": "contingency-tabletop",
        "department": "NSS-SC",
        "title": "Tabletop exercise: protecting Japanese nationals in a regional contingency",
        "title_ja": "図上演習：地域有事における在外邦人保護",
        "days_ago": 22,
        "agencies": ["MOFA", "MOD", "MLIT", "JCG", "MHLW"],
        "notes": (
            "Walked through evacuation from South Korea and Taiwan with SDF aircraft unavailable. Gaps were found "
            "in partner procedures, civil transport capacity and medical reception."
        ),
    },
]

ACTION_ITEMS: list[dict[str, Any]] = [
    # --- P1: defense diplomacy strategy -------------------------------------------------------------------------
    {
        "key": "strategy-scope-paper",
        "department": "NSS-SC",
        "initiative": "P1-STRATEGY",
        "meeting": "sc-kickoff",
        "title": "Draft a scope paper for a government-wide defense diplomacy strategy",
        "title_ja": "政府全体の防衛外交戦略に向けた骨子案の作成",
        "description": (
            "Set out what a national defense diplomacy strategy should cover: objectives, regional and functional "
            "priorities, the assets and budget it draws on, and how NSS, MOD and MOFA share the work. The paper goes "
            "to the department director as the basis for the drafting plan."
        ),
        "lead": "MOD",
        "supporting": ["MOFA"],
        "priority": "high",
        "status": "closed",
        "due_in": -12,
        "assigned_days_ago": 33,
        "percent": 100,
        "marking": "internal",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 30, "percent": 30, "text": "Outline shared with the MOFA Foreign Policy Bureau for comment."},
            {"days_ago": 21, "percent": 75, "text": "MOFA comments folded in; regional priorities section drafted."},
            {"days_ago": 14, "percent": 100, "text": "Final scope paper delivered to the department."},
        ],
        "concurrence": {"MOFA": "concur"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "strategy-regional-priorities",
        "department": "NSS-SC",
        "initiative": "P1-STRATEGY",
        "meeting": "sc-kickoff",
        "title": "Propose regional and functional priorities for defense engagement",
        "title_ja": "防衛交流の地域別・分野別の優先順位の提案",
        "description": (
            "Using the accepted scope paper, rank the regions and functional areas (maritime security, disaster "
            "relief, capacity building, equipment cooperation) where defense engagement should focus over the next "
            "five years. Deliver a two-page matrix with short reasons for the strategy drafting team."
        ),
        "lead": "MOFA",
        "supporting": ["MOD"],
        "priority": "high",
        "status": "in_progress",
        "due_in": -6,
        "assigned_days_ago": 13,
        "percent": 55,
        "marking": "internal",
        "parent": None,
        "depends_on": ["strategy-scope-paper"],
        "updates": [
            {
                "days_ago": 10,
                "percent": 20,
                "text": "Regional desks asked for input; Southeast Asia and Pacific Islands replied first.",
            },
            {
                "days_ago": 4,
                "percent": 55,
                "text": "Draft matrix covers six regions; functional ranking still being discussed with MOD.",
            },
        ],
        "concurrence": {"MOD": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "strategy-resource-map",
        "department": "NSS-SC",
        "initiative": "P1-STRATEGY",
        "meeting": None,
        "title": "Map current defense engagement spending against the draft priorities",
        "title_ja": "現行の防衛交流経費と優先順位案との対照",
        "description": (
            "List what MOD and the SDF spent on exchanges, joint training with partners other than the US, and "
            "capacity building over the last three fiscal years. Show how the spending matches the draft priority "
            "matrix so that gaps can be raised in the next budget request."
        ),
        "lead": "MOD",
        "supporting": ["MOF"],
        "priority": "normal",
        "status": "acknowledged",
        "due_in": 15,
        "assigned_days_ago": 6,
        "percent": 0,
        "marking": "internal",
        "parent": None,
        "depends_on": ["strategy-regional-priorities"],
        "updates": [],
        "concurrence": {"MOF": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "strategy-party-briefings",
        "department": "NSS-SC",
        "initiative": "P1-STRATEGY",
        "meeting": None,
        "title": "Prepare a briefing pack on defense diplomacy for ruling party policy divisions",
        "title_ja": "与党政策部会向け防衛外交説明資料の作成",
        "description": (
            "Draft a short, plain-language pack on why defense diplomacy matters and what the strategy would change, "
            "for members of the ruling party's defense and foreign affairs divisions. Add one page of figures on "
            "recent joint training and two-plus-two meetings."
        ),
        "lead": "MOD",
        "supporting": ["MOFA"],
        "priority": "normal",
        "status": "draft",
        "due_in": 30,
        "assigned_days_ago": None,
        "percent": 0,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [],
        "concurrence": {"MOFA": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    # --- P2: cross-ministerial command center --------------------------------------------------------------------
    {
        "key": "command-liaison-designation",
        "department": "NSS-SC",
        "initiative": "P2-COMMAND",
        "meeting": "sc-kickoff",
        "title": "Name security cooperation liaison officers in MOFA and MOD",
        "title_ja": "外務省・防衛省における安全保障協力連絡担当官の指名",
        "description": (
            "Designate a primary and an alternate liaison officer in the MOFA International Peace and Security "
            "Cooperation Division and in the MOD International Policy Division. Send names, posts and contact "
            "details to the department so that taskers can be routed to them."
        ),
        "lead": "MOFA",
        "supporting": ["MOD"],
        "priority": "urgent",
        "status": "closed",
        "due_in": -25,
        "assigned_days_ago": 34,
        "percent": 100,
        "marking": "internal",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 31, "percent": 50, "text": "MOFA primary and alternate named; MOD nomination still pending."},
            {"days_ago": 27, "percent": 100, "text": "MOD officers named and the full roster sent to the department."},
        ],
        "concurrence": {"MOD": "concur"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "command-budget-process",
        "department": "NSS-SC",
        "initiative": "P2-COMMAND",
        "meeting": "sc-kickoff",
        "title": "Agree a joint process for cross-ministerial security cooperation budget requests",
        "title_ja": "省庁横断の安全保障協力予算要求に関する共同手続の合意",
        "description": (
            "Propose how the department, MOD and MOFA will prepare one coordinated request for security cooperation "
            "measures that span ministries, with a timeline that fits the summer request deadline. Deliver a process "
            "chart and a draft memorandum for the three vice-ministers."
        ),
        "lead": "MOF",
        "supporting": ["MOD", "MOFA"],
        "priority": "high",
        "status": "in_progress",
        "due_in": -3,
        "assigned_days_ago": 32,
        "percent": 40,
        "marking": "internal",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 28, "percent": 15, "text": "Budget Bureau shared last year's request calendar as a baseline."},
            {
                "days_ago": 13,
                "percent": 40,
                "text": "Draft process chart circulated; MOD and MOFA comments outstanding.",
            },
        ],
        "concurrence": {"MOD": "pending", "MOFA": "pending"},
        "extension": {
            "extra_days": 10,
            "reason": "This year's budget request guidelines come out next week and the process must follow them.",
            "state": "pending",
        },
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "command-maritime-channel",
        "department": "NSS-SC",
        "initiative": "P2-COMMAND",
        "meeting": None,
        "title": "Set up a standing channel with the coast guard on maritime law-enforcement cooperation",
        "title_ja": "海上法執行協力に関する海上保安庁との常設窓口の設置",
        "description": (
            "Name a JCG point of contact and agree a weekly exchange with the department on coast guard capacity "
            "building and joint activity with partner navies. Record the arrangement in a one-page note cleared by "
            "MLIT."
        ),
        "lead": "JCG",
        "supporting": ["MLIT"],
        "priority": "normal",
        "status": "assigned",
        "due_in": -1,
        "assigned_days_ago": 4,
        "percent": 0,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [],
        "concurrence": {"MLIT": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    # --- P3: strategic communications (NSS-STRATCOM) ------------------------------------------------------------
    {
        "key": "stratcom-message-framework",
        "department": "NSS-STRATCOM",
        "initiative": "P3-STRATCOM",
        "meeting": "stratcom-sync",
        "title": "Draft a core message framework for defense diplomacy activities",
        "title_ja": "防衛外交活動の基本メッセージ枠組みの起案",
        "description": (
            "Write the three to five core messages every ministry should use when describing Japan's defense "
            "engagement, with agreed wording in Japanese and English. The framework will be used to check press "
            "lines for port calls, exercises and equipment transfers."
        ),
        "lead": "MOFA",
        "supporting": ["MOD"],
        "priority": "high",
        "status": "in_progress",
        "due_in": 2,
        "assigned_days_ago": 16,
        "percent": 70,
        "marking": "internal",
        "parent": None,
        "depends_on": [],
        "updates": [
            {
                "days_ago": 12,
                "percent": 30,
                "text": "First set of messages drafted and shared with MOD public affairs.",
            },
            {"days_ago": 6, "percent": 50, "text": "Japanese and English wording aligned."},
            {
                "days_ago": 2,
                "percent": 70,
                "text": "Revised after working-level review; MOD comments awaited on two messages.",
            },
        ],
        "concurrence": {"MOD": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "stratcom-defense-comms-office",
        "department": "NSS-STRATCOM",
        "initiative": "P3-STRATCOM",
        "meeting": "stratcom-sync",
        "title": "Outline the mandate of a Defense Communication Office in the Bureau of Defense Policy",
        "title_ja": "防衛政策局における防衛コミュニケーション室の任務の概要整理",
        "description": (
            "Describe the tasks, staffing and reporting lines of a new office that would plan communications for "
            "MOD and the SDF and link them with the center. Include a comparison with similar offices in the UK and "
            "Australia."
        ),
        "lead": "MOD",
        "supporting": [],
        "priority": "normal",
        "status": "submitted",
        "due_in": 1,
        "assigned_days_ago": 17,
        "percent": 100,
        "marking": "internal",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 11, "percent": 40, "text": "Mandate and main tasks drafted."},
            {"days_ago": 5, "percent": 80, "text": "Staffing options and the UK and Australian comparison added."},
            {"days_ago": 1, "percent": 100, "text": "Outline submitted to the center for review."},
        ],
        "concurrence": {},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "stratcom-training-courses",
        "department": "NSS-STRATCOM",
        "initiative": "P3-STRATCOM",
        "meeting": "stratcom-sync",
        "title": "Plan strategic communications courses at the Joint Staff College and National Defense Academy",
        "title_ja": "統合幕僚学校・防衛大学校における戦略的コミュニケーション課程の計画",
        "description": (
            "Propose content, length and instructors for strategic communications courses for MOD officials and SDF "
            "officers, with a shortlist of overseas programs for secondments. Deliver a plan the two schools can use "
            "for the next academic year."
        ),
        "lead": "MOD",
        "supporting": ["MOFA"],
        "priority": "normal",
        "status": "acknowledged",
        "due_in": 25,
        "assigned_days_ago": 5,
        "percent": 0,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [],
        "concurrence": {"MOFA": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "stratcom-exercise-lines",
        "department": "NSS-STRATCOM",
        "initiative": "P3-STRATCOM",
        "meeting": "stratcom-sync",
        "title": "Prepare coordinated public lines for upcoming multinational maritime exercises",
        "title_ja": "今後の多国間海上演習に向けた対外発信要領の調整",
        "description": (
            "Draft press lines, social media posts and answers to likely questions for the next maritime exercises "
            "with partner navies, consistent with the core message framework. MOD and MOFA must clear the lines "
            "before the exercises are announced."
        ),
        "lead": "MOD",
        "supporting": ["MOFA"],
        "priority": "high",
        "status": "blocked",
        "due_in": -2,
        "assigned_days_ago": 14,
        "percent": 30,
        "marking": "restricted",
        "parent": None,
        "depends_on": ["stratcom-message-framework"],
        "updates": [
            {"days_ago": 9, "percent": 20, "text": "Draft lines prepared for the two likely exercise scenarios."},
            {"days_ago": 5, "percent": 30, "text": "Questions and answers drafted; partner dates still unconfirmed."},
        ],
        "concurrence": {"MOFA": "pending"},
        "extension": None,
        "block_reason": (
            "Two partner navies have not confirmed dates or participation, so the lines cannot be finalised or cleared."
        ),
        "cancel_reason": None,
    },
    # --- P4: access agreements, cross-decking, officer exchange --------------------------------------------------
    {
        "key": "raa-program",
        "department": "NSS-SC",
        "initiative": "P4-ACCESS",
        "meeting": "access-legal-wg",
        "title": "Extend reciprocal access agreements beyond Australia",
        "title_ja": "豪州以外への円滑化協定の拡大",
        "description": (
            "Coordinate work toward reciprocal access agreements with the UK, France and India following the "
            "agreement in principle with Australia. Track negotiating positions, legal review and the political "
            "calendar in one place and report to the department every month."
        ),
        "lead": "MOFA",
        "supporting": ["MOD"],
        "priority": "urgent",
        "status": "in_progress",
        "due_in": 45,
        "assigned_days_ago": 26,
        "percent": 35,
        "marking": "internal",
        "parent": None,
        "depends_on": [],
        "updates": [
            {
                "days_ago": 24,
                "percent": 10,
                "text": "Work plan agreed; sub-items issued for the UK, France and India.",
            },
            {"days_ago": 8, "percent": 35, "text": "UK text well advanced; France scoping talks being arranged."},
        ],
        "concurrence": {"MOD": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "raa-uk-text",
        "department": "NSS-SC",
        "initiative": "P4-ACCESS",
        "meeting": "access-legal-wg",
        "title": "Prepare Japan's draft negotiating text for a reciprocal access agreement with the UK",
        "title_ja": "日英円滑化協定の日本側交渉案文の作成",
        "description": (
            "Draft the Japanese negotiating text for an agreement with the UK, using the Australia agreement as the "
            "baseline and marking every departure from it. Include MOD positions on entry procedures, criminal "
            "jurisdiction and claims for accidents during training."
        ),
        "lead": "MOFA",
        "supporting": ["MOD"],
        "priority": "urgent",
        "status": "in_progress",
        "due_in": 4,
        "assigned_days_ago": 25,
        "percent": 60,
        "marking": "internal",
        "parent": "raa-program",
        "depends_on": [],
        "updates": [
            {"days_ago": 20, "percent": 25, "text": "Baseline text taken from the Australia agreement."},
            {"days_ago": 12, "percent": 45, "text": "Jurisdiction and claims articles redrafted with MOD."},
            {"days_ago": 3, "percent": 60, "text": "Entry and exit procedures under review by MOD legal staff."},
        ],
        "concurrence": {"MOD": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "raa-france-scoping",
        "department": "NSS-SC",
        "initiative": "P4-ACCESS",
        "meeting": "access-legal-wg",
        "title": "Hold scoping talks with France on a reciprocal access agreement",
        "title_ja": "日仏円滑化協定に関する予備協議の実施",
        "description": (
            "Arrange working-level talks with the French embassy and defense ministry to test interest in an "
            "agreement and find the issues that differ from the UK case. Report the outcome with a proposed "
            "negotiating timeline."
        ),
        "lead": "MOFA",
        "supporting": ["MOD"],
        "priority": "high",
        "status": "acknowledged",
        "due_in": 20,
        "assigned_days_ago": 9,
        "percent": 0,
        "marking": "internal",
        "parent": "raa-program",
        "depends_on": ["raa-uk-text"],
        "updates": [],
        "concurrence": {"MOD": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "raa-india-study",
        "department": "NSS-SC",
        "initiative": "P4-ACCESS",
        "meeting": "access-legal-wg",
        "title": "Assess the feasibility of an access arrangement with India",
        "title_ja": "インドとの円滑化取極の実現可能性の評価",
        "description": (
            "Review the defense logistics arrangements India already has with Japan and other partners and judge "
            "whether a full agreement or a lighter arrangement is realistic. Deliver a short options paper for the "
            "working group."
        ),
        "lead": "MOFA",
        "supporting": ["MOD"],
        "priority": "normal",
        "status": "draft",
        "due_in": 55,
        "assigned_days_ago": None,
        "percent": 0,
        "marking": "internal",
        "parent": "raa-program",
        "depends_on": [],
        "updates": [],
        "concurrence": {"MOD": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "crossdeck-hosting-study",
        "department": "NSS-SC",
        "initiative": "P4-ACCESS",
        "meeting": "access-legal-wg",
        "title": "Study hosting partner helicopters on MSDF ships during Pacific Partnership",
        "title_ja": "パシフィック・パートナーシップにおける海自艦艇での同志国ヘリ受入れの検討",
        "description": (
            "Identify the legal, safety and logistics steps needed for MSDF ships to host foreign helicopters and "
            "crews for long periods during Pacific Partnership. Recommend which steps can be taken without new "
            "legislation."
        ),
        "lead": "MOD",
        "supporting": ["MOFA"],
        "priority": "normal",
        "status": "cancelled",
        "due_in": 10,
        "assigned_days_ago": 24,
        "percent": 15,
        "marking": "internal",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 19, "percent": 15, "text": "Legal questions listed; safety review not yet started."},
        ],
        "concurrence": {"MOFA": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": (
            "No MSDF ship will join this year's Pacific Partnership, so the study is deferred and will be reissued "
            "next fiscal year."
        ),
    },
    {
        "key": "officer-exchange-cases",
        "department": "NSS-SC",
        "initiative": "P4-ACCESS",
        "meeting": "access-legal-wg",
        "title": "Compile case studies on exchanging senior officers with allied forces",
        "title_ja": "同盟国軍との高級幹部交流に関する事例集の作成",
        "description": (
            "Summarise how the US, UK, France and Australia exchange flag and senior officers, including deputy "
            "commander posts, and note the legal and security clearance hurdles for Japan. Deliver a paper of no "
            "more than ten pages."
        ),
        "lead": "MOD",
        "supporting": [],
        "priority": "normal",
        "status": "closed",
        "due_in": -8,
        "assigned_days_ago": 26,
        "percent": 100,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 21, "percent": 40, "text": "US and UK cases written up."},
            {"days_ago": 15, "percent": 80, "text": "French and Australian cases added; hurdles section drafted."},
            {"days_ago": 9, "percent": 100, "text": "Final paper accepted by the working group."},
        ],
        "concurrence": {},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    # --- P5: civilian control through capacity building ----------------------------------------------------------
    {
        "key": "civctl-curriculum",
        "department": "NSS-SC",
        "initiative": "P5-CIVCONTROL",
        "meeting": None,
        "title": "Develop a civilian control module for capacity building seminars",
        "title_ja": "能力構築支援セミナー向け文民統制教材の開発",
        "description": (
            "Produce a one-day seminar module on civilian control of the military, drawing on how the SDF educates "
            "its own personnel. Include slides, a facilitator guide and a short case study suitable for partner "
            "officers."
        ),
        "lead": "MOD",
        "supporting": ["MOFA"],
        "priority": "high",
        "status": "submitted",
        "due_in": 2,
        "assigned_days_ago": 24,
        "percent": 100,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 18, "percent": 30, "text": "Module structure agreed with the SDF education staff."},
            {"days_ago": 9, "percent": 70, "text": "Slides and facilitator guide drafted; case study under review."},
            {"days_ago": 1, "percent": 100, "text": "Complete module submitted with MOFA comments addressed."},
        ],
        "concurrence": {"MOFA": "concur"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "civctl-partner-selection",
        "department": "NSS-SC",
        "initiative": "P5-CIVCONTROL",
        "meeting": None,
        "title": "Identify candidate partner countries for civilian control education",
        "title_ja": "文民統制教育の候補パートナー国の選定",
        "description": (
            "Propose up to five partner countries where civilian control education would be welcome and useful, "
            "with a note on each country's political situation and existing SDF contacts. The list decides where "
            "the seminar module is used first."
        ),
        "lead": "MOFA",
        "supporting": ["MOD"],
        "priority": "high",
        "status": "submitted",
        "due_in": 0,
        "assigned_days_ago": 20,
        "percent": 100,
        "marking": "internal",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 14, "percent": 50, "text": "Long list of nine countries narrowed to six."},
            {"days_ago": 2, "percent": 100, "text": "Final list of five countries submitted."},
        ],
        "concurrence": {"MOD": "non_concur"},
        "non_concur_comment": (
            "MOD asks to drop one country where the armed forces currently hold political power, as the SDF "
            "cannot reach officers there."
        ),
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "civctl-student-places",
        "department": "NSS-SC",
        "initiative": "P5-CIVCONTROL",
        "meeting": None,
        "title": "Reserve places for foreign officers in SDF school courses that cover civilian control",
        "title_ja": "文民統制を扱う自衛隊学校課程への外国軍人受入れ枠の確保",
        "description": (
            "Confirm how many places SDF schools can offer next year to officers from the candidate countries, and "
            "what travel and living costs the program must cover. Send the figures to MOF for the budget request."
        ),
        "lead": "MOD",
        "supporting": ["MOF"],
        "priority": "normal",
        "status": "assigned",
        "due_in": 9,
        "assigned_days_ago": 0,
        "percent": 0,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [],
        "concurrence": {"MOF": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    # --- P6: research base for equipment transfers ---------------------------------------------------------------
    {
        "key": "equip-institute-charter",
        "department": "NSS-SC",
        "initiative": "P6-EQUIPRESEARCH",
        "meeting": "export-council",
        "title": "Draft a charter for a research institution on defense equipment markets",
        "title_ja": "防衛装備市場に関する研究機関の設立趣意書の起案",
        "description": (
            "Set out the mission, staffing, funding and governance of an institution that follows defense "
            "technology and international market trends to support equipment transfers. Show how it relates to the "
            "economic security think tank agreed in April 2021."
        ),
        "lead": "METI",
        "supporting": ["ATLA", "MOD"],
        "priority": "high",
        "status": "in_progress",
        "due_in": -5,
        "assigned_days_ago": 21,
        "percent": 30,
        "marking": "internal",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 15, "percent": 10, "text": "Mission statement and scope drafted."},
            {"days_ago": 6, "percent": 30, "text": "Funding options under discussion with ATLA."},
        ],
        "concurrence": {"ATLA": "pending", "MOD": "pending"},
        "extension": {
            "extra_days": 15,
            "reason": (
                "The mandate of the economic security think tank is not yet final, and the charter must avoid "
                "overlapping with it."
            ),
            "state": "pending",
        },
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "equip-market-review",
        "department": "NSS-SC",
        "initiative": "P6-EQUIPRESEARCH",
        "meeting": "export-council",
        "title": "Produce a pilot quarterly review of international defense market trends",
        "title_ja": "国際防衛市場動向の四半期レビュー試行版の作成",
        "description": (
            "Prepare a trial quarterly report on demand, competitors and procurement plans in Southeast Asia, South "
            "Asia and the Pacific, as a model for the institution's future output. Keep it under fifteen pages with "
            "a one-page summary for decision makers."
        ),
        "lead": "ATLA",
        "supporting": ["METI"],
        "priority": "normal",
        "status": "acknowledged",
        "due_in": 18,
        "assigned_days_ago": 8,
        "percent": 0,
        "marking": "internal",
        "parent": None,
        "depends_on": ["equip-institute-charter"],
        "updates": [],
        "concurrence": {"METI": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "equip-tech-protection",
        "department": "NSS-SC",
        "initiative": "P6-EQUIPRESEARCH",
        "meeting": None,
        "title": "Propose technology protection terms for exporting sensitive equipment to trusted partners",
        "title_ja": "信頼できる同志国への機微装備輸出に係る技術保護条件の提案",
        "description": (
            "Draft standard terms for protecting sensitive technology when equipment is exported to, or developed "
            "jointly with, trusted partners, so that protection stops being a reason to refuse exports. Deliver a "
            "model annex for government-to-government agreements."
        ),
        "lead": "METI",
        "supporting": ["ATLA", "MOFA"],
        "priority": "normal",
        "status": "draft",
        "due_in": 40,
        "assigned_days_ago": None,
        "percent": 0,
        "marking": "internal",
        "parent": None,
        "depends_on": [],
        "updates": [],
        "concurrence": {"ATLA": "pending", "MOFA": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    # --- P7: budgeted security cooperation program --------------------------------------------------------------
    {
        "key": "dcp-australia-study",
        "department": "NSS-SC",
        "initiative": "P7-COOPFUND",
        "meeting": "sc-kickoff",
        "title": "Summarise how Australia funds and runs its Defence Cooperation Program",
        "title_ja": "豪州の防衛協力プログラムの財源と運営の整理",
        "description": (
            "Describe the program's budget (roughly 6 to 12 billion yen a year), its recipients, its main activities "
            "such as patrol boats and training in Australia, and how the money is managed. Identify the features "
            "Japan could adopt."
        ),
        "lead": "MOD",
        "supporting": ["MOFA"],
        "priority": "normal",
        "status": "closed",
        "due_in": -15,
        "assigned_days_ago": 33,
        "percent": 100,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 31, "percent": 50, "text": "Budget figures and recipient list compiled with embassy help."},
            {"days_ago": 20, "percent": 100, "text": "Study completed with a list of features Japan could adopt."},
        ],
        "concurrence": {"MOFA": "concur"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "dcp-budget-options",
        "department": "NSS-SC",
        "initiative": "P7-COOPFUND",
        "meeting": "sc-kickoff",
        "title": "Prepare budget options for a dedicated security cooperation program",
        "title_ja": "安全保障協力専用プログラムの予算案の作成",
        "description": (
            "Develop two or three options for an earmarked security cooperation budget for MOD and the SDF, sized "
            "against Australia's 6 to 12 billion yen a year. Each option lists activities, recipients and the legal "
            "basis for providing equipment."
        ),
        "lead": "MOD",
        "supporting": ["MOF"],
        "priority": "high",
        "status": "in_progress",
        "due_in": 40,
        "assigned_days_ago": 30,
        "percent": 20,
        "marking": "internal",
        "parent": None,
        "depends_on": ["dcp-australia-study"],
        "updates": [
            {"days_ago": 25, "percent": 10, "text": "Scope agreed; costing and budget rules split into sub-items."},
            {"days_ago": 12, "percent": 20, "text": "Option outlines drafted; waiting for sub-item results."},
        ],
        "concurrence": {"MOF": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "dcp-patrol-boat-costing",
        "department": "NSS-SC",
        "initiative": "P7-COOPFUND",
        "meeting": None,
        "title": "Cost a patrol boat and training package for Pacific Island partners",
        "title_ja": "太平洋島嶼国向け巡視艇・訓練パッケージの経費見積り",
        "description": (
            "Estimate the cost of supplying patrol boats with crew training and maintenance support to two Pacific "
            "Island countries over five years. Give the figures by year so that they can feed the budget options."
        ),
        "lead": "MOD",
        "supporting": ["JCG", "MOF"],
        "priority": "high",
        "status": "in_progress",
        "due_in": 8,
        "assigned_days_ago": 22,
        "percent": 50,
        "marking": "internal",
        "parent": "dcp-budget-options",
        "depends_on": [],
        "updates": [
            {"days_ago": 16, "percent": 20, "text": "Boat specifications and unit costs collected."},
            {"days_ago": 7, "percent": 50, "text": "Training costs drafted; JCG reviewing the crew training part."},
        ],
        "concurrence": {"JCG": "pending", "MOF": "pending"},
        "extension": {
            "extra_days": 5,
            "reason": "JCG needs more time to price crew training delivered by its own instructors.",
            "state": "approved",
        },
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "dcp-seminar-equipment-rules",
        "department": "NSS-SC",
        "initiative": "P7-COOPFUND",
        "meeting": None,
        "title": "Confirm with the Budget Bureau how equipment for training seminars can be funded",
        "title_ja": "研修セミナー用機材の予算措置について主計局と確認",
        "description": (
            "Current capacity building funds cannot be used to buy equipment for seminars and instruction. Ask the "
            "Budget Bureau what changes would allow this and report the options with their conditions."
        ),
        "lead": "MOF",
        "supporting": ["MOD"],
        "priority": "normal",
        "status": "assigned",
        "due_in": 3,
        "assigned_days_ago": 3,
        "percent": 0,
        "marking": "internal",
        "parent": "dcp-budget-options",
        "depends_on": [],
        "updates": [],
        "concurrence": {"MOD": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    # --- P8: hybrid threats centre of excellence -----------------------------------------------------------------
    {
        "key": "hybrid-coe-concept",
        "department": "NSS-SC",
        "initiative": "P8-HYBRID",
        "meeting": "hybrid-coe-planning",
        "title": "Write a concept note for an Indo-Pacific centre of excellence on hybrid threats",
        "title_ja": "インド太平洋ハイブリッド脅威対策センター構想書の作成",
        "description": (
            "Describe the centre's four functions (information sharing, research, joint work on countermeasures and "
            "exercise support), possible founding members and a host arrangement. The note will be used to sound "
            "out like-minded partners."
        ),
        "lead": "MOD",
        "supporting": ["MOFA", "MIC"],
        "priority": "high",
        "status": "in_progress",
        "due_in": 1,
        "assigned_days_ago": 14,
        "percent": 65,
        "marking": "internal",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 10, "percent": 25, "text": "Functions and governance sections drafted."},
            {"days_ago": 5, "percent": 50, "text": "Founding member options added after MOFA consultations."},
            {"days_ago": 1, "percent": 65, "text": "MIC input on cyber work received; host options being compared."},
        ],
        "concurrence": {"MOFA": "pending", "MIC": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "hybrid-threat-baseline",
        "department": "NSS-SC",
        "initiative": "P8-HYBRID",
        "meeting": "hybrid-coe-planning",
        "title": "Compile a baseline assessment of hybrid activity affecting Japan and its partners",
        "title_ja": "日本と同志国に影響するハイブリッド活動の基礎評価の取りまとめ",
        "description": (
            "Bring together MOD, MIC and coast guard reporting from the past year on gray-zone activity at sea, "
            "cyber operations and disinformation. Produce a restricted baseline that could later be shared with the "
            "centre's founding members."
        ),
        "lead": "MOD",
        "supporting": ["MIC", "JCG"],
        "priority": "high",
        "status": "in_progress",
        "due_in": -4,
        "assigned_days_ago": 14,
        "percent": 35,
        "marking": "restricted",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 9, "percent": 15, "text": "Source list agreed; JCG maritime reporting received."},
            {"days_ago": 3, "percent": 35, "text": "Maritime chapter drafted; cyber and disinformation chapters late."},
        ],
        "concurrence": {"MIC": "pending", "JCG": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "hybrid-cyber-sharing-rules",
        "department": "NSS-SC",
        "initiative": "P8-HYBRID",
        "meeting": "hybrid-coe-planning",
        "title": "Define rules for sharing cyber threat information with prospective centre members",
        "title_ja": "センター参加予定国とのサイバー脅威情報共有ルールの策定",
        "description": (
            "Draft the rules under which cyber incident and threat data could be shared with members of the centre, "
            "including what may go to governments that are not allies. Deliver draft sharing rules and a handling "
            "annex."
        ),
        "lead": "MIC",
        "supporting": ["MOD"],
        "priority": "high",
        "status": "blocked",
        "due_in": -7,
        "assigned_days_ago": 13,
        "percent": 20,
        "marking": "restricted",
        "parent": None,
        "depends_on": [],
        "updates": [
            {
                "days_ago": 8,
                "percent": 20,
                "text": "Categories of shareable data listed; legal questions sent for an opinion.",
            },
        ],
        "concurrence": {"MOD": "pending"},
        "extension": None,
        "block_reason": (
            "Waiting for a legal opinion on whether incident data may be shared with governments that are not treaty "
            "partners."
        ),
        "cancel_reason": None,
    },
    {
        "key": "hybrid-eu-coe-contacts",
        "department": "NSS-SC",
        "initiative": "P8-HYBRID",
        "meeting": None,
        "title": "Open working contacts with the European Centre of Excellence for Countering Hybrid Threats",
        "title_ja": "欧州ハイブリッド脅威対策センター・オブ・エクセレンスとの実務連絡の開始",
        "description": (
            "Arrange a first exchange with the European centre to learn how it is governed and funded and whether it "
            "would work with an Indo-Pacific counterpart. Report the findings with a proposed form of cooperation."
        ),
        "lead": "MOFA",
        "supporting": ["MOD"],
        "priority": "normal",
        "status": "assigned",
        "due_in": 14,
        "assigned_days_ago": 2,
        "percent": 0,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [],
        "concurrence": {"MOD": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    # --- P9: international peace cooperation ---------------------------------------------------------------------
    {
        "key": "pko-airlift-offer",
        "department": "NSS-SC",
        "initiative": "P9-PEACEOPS",
        "meeting": None,
        "title": "Prepare an offer of ASDF airlift for partner troops joining UN peacekeeping missions",
        "title_ja": "国連PKOに参加する同志国部隊への空自輸送支援の提案準備",
        "description": (
            "Work out how ASDF transport aircraft already registered with the UN for rapid deployment could carry "
            "troops and equipment of Indo-Pacific partners to peacekeeping missions. Deliver a draft offer with "
            "routes, aircraft availability and cost sharing."
        ),
        "lead": "MOD",
        "supporting": ["MOFA"],
        "priority": "high",
        "status": "in_progress",
        "due_in": 16,
        "assigned_days_ago": 26,
        "percent": 40,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 20, "percent": 20, "text": "Candidate routes and partner contingents identified."},
            {
                "days_ago": 14,
                "percent": 40,
                "text": "Aircraft available in two windows; cost sharing with the UN still open.",
            },
        ],
        "concurrence": {"MOFA": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "pko-equipment-inventory",
        "department": "NSS-SC",
        "initiative": "P9-PEACEOPS",
        "meeting": None,
        "title": "List surplus medical, engineering and transport equipment that could be offered to the UN",
        "title_ja": "国連に提供可能な余剰の医療・施設・輸送装備の一覧化",
        "description": (
            "Identify SDF medical, engineering and transport equipment that is surplus or due for decommissioning "
            "and could go to the UN or to troop-contributing countries. Note which items need refurbishment to meet "
            "UN standards."
        ),
        "lead": "MOD",
        "supporting": ["ATLA", "MOFA"],
        "priority": "normal",
        "status": "submitted",
        "due_in": -1,
        "assigned_days_ago": 24,
        "percent": 100,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 18, "percent": 30, "text": "Ground and maritime staff returned their surplus lists."},
            {"days_ago": 8, "percent": 75, "text": "ATLA marked items needing refurbishment for UN use."},
            {"days_ago": 2, "percent": 100, "text": "Consolidated inventory submitted."},
        ],
        "concurrence": {"ATLA": "concur", "MOFA": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "pko-tpp-expansion",
        "department": "NSS-SC",
        "initiative": "P9-PEACEOPS",
        "meeting": None,
        "title": "Propose new recipient countries for the Triangular Partnership Program",
        "title_ja": "三角パートナーシップ・プログラムの新たな対象国の提案",
        "description": (
            "Recommend additional countries for training under the UN Triangular Partnership Program and show how "
            "the training could be combined with airlift and equipment transfers. Give the number of SDF "
            "instructors each option would need."
        ),
        "lead": "MOFA",
        "supporting": ["MOD"],
        "priority": "normal",
        "status": "acknowledged",
        "due_in": 3,
        "assigned_days_ago": 7,
        "percent": 0,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [],
        "concurrence": {"MOD": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "pko-refurbishment-check",
        "department": "NSS-SC",
        "initiative": "P9-PEACEOPS",
        "meeting": None,
        "title": "Check which decommissioned vehicles can be refurbished to UN specifications",
        "title_ja": "用途廃止車両のうち国連仕様に改修可能なものの確認",
        "description": (
            "Inspect a sample of decommissioned SDF trucks and engineering vehicles and estimate what work each "
            "would need to meet UN specifications. Report costs and lead times."
        ),
        "lead": "ATLA",
        "supporting": ["MOD"],
        "priority": "low",
        "status": "cancelled",
        "due_in": -6,
        "assigned_days_ago": 20,
        "percent": 10,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [],
        "concurrence": {"MOD": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": "Merged into the surplus equipment inventory, which now records refurbishment needs per item.",
    },
    # --- Second paper: protection of nationals in a contingency --------------------------------------------------
    {
        "key": "neo-partner-framework",
        "department": "NSS-SC",
        "initiative": "NEO-CONTINGENCY",
        "meeting": "contingency-tabletop",
        "title": "Build cooperation frameworks with partners to protect Japanese nationals in a regional contingency",
        "title_ja": "地域有事における在外邦人保護のための同志国との協力枠組みの構築",
        "description": (
            "Agree with the US, Australia and other capable partners how they would help move Japanese nationals "
            "out of South Korea or Taiwan in a crisis, since SDF aircraft may not be allowed in. Track procedures, "
            "transport and reception through the sub-items."
        ),
        "lead": "MOFA",
        "supporting": ["MOD", "MLIT"],
        "priority": "urgent",
        "status": "in_progress",
        "due_in": 50,
        "assigned_days_ago": 12,
        "percent": 25,
        "marking": "restricted",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 10, "percent": 10, "text": "Tabletop findings written up; three sub-items issued."},
            {"days_ago": 4, "percent": 25, "text": "First talks held with two partners on sharing procedures."},
        ],
        "concurrence": {"MOD": "pending", "MLIT": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "neo-korea-procedures",
        "department": "NSS-SC",
        "initiative": "NEO-CONTINGENCY",
        "meeting": "contingency-tabletop",
        "title": "Share evacuation procedures for the Korean Peninsula with US and Australian counterparts",
        "title_ja": "朝鮮半島からの退避手順の米豪担当者との共有",
        "description": (
            "Build a common picture of how the roughly 41,000 Japanese living in South Korea would be warned, "
            "gathered and moved, and share Japan's procedures with US and Australian counterparts. Record who does "
            "what in a joint note."
        ),
        "lead": "MOFA",
        "supporting": ["MOD"],
        "priority": "urgent",
        "status": "in_progress",
        "due_in": -2,
        "assigned_days_ago": 11,
        "percent": 50,
        "marking": "restricted",
        "parent": "neo-partner-framework",
        "depends_on": [],
        "updates": [
            {"days_ago": 8, "percent": 20, "text": "Japanese procedures summarised for release to partners."},
            {"days_ago": 3, "percent": 50, "text": "US counterparts have reviewed; Australian review under way."},
        ],
        "concurrence": {"MOD": "pending"},
        "extension": {
            "extra_days": 15,
            "reason": "Partners asked for a second round of talks before signing off the joint note.",
            "state": "denied",
        },
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "neo-taiwan-transport",
        "department": "NSS-SC",
        "initiative": "NEO-CONTINGENCY",
        "meeting": "contingency-tabletop",
        "title": "Assess civilian air and sea transport options for Japanese residents leaving Taiwan",
        "title_ja": "台湾在留邦人の退避に向けた民間航空・海上輸送手段の評価",
        "description": (
            "Estimate how many of the about 25,000 Japanese residents in Taiwan could leave on scheduled flights and "
            "ships before and after a crisis starts, and how much chartered capacity would be needed. Include coast "
            "guard support at Japanese ports of arrival."
        ),
        "lead": "MLIT",
        "supporting": ["MOFA", "JCG"],
        "priority": "high",
        "status": "acknowledged",
        "due_in": -1,
        "assigned_days_ago": 10,
        "percent": 0,
        "marking": "restricted",
        "parent": "neo-partner-framework",
        "depends_on": [],
        "updates": [],
        "concurrence": {"MOFA": "pending", "JCG": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "neo-medical-reception",
        "department": "NSS-SC",
        "initiative": "NEO-CONTINGENCY",
        "meeting": "contingency-tabletop",
        "title": "Plan medical screening and care for evacuees arriving in Japan",
        "title_ja": "本邦到着退避者の検疫・医療体制の計画",
        "description": (
            "Prepare a plan for health screening, emergency care and infection control for evacuees at the main "
            "airports and ports of arrival. Name the hospitals and quarantine stations involved and the staff each "
            "would need."
        ),
        "lead": "MHLW",
        "supporting": ["MLIT"],
        "priority": "normal",
        "status": "assigned",
        "due_in": 0,
        "assigned_days_ago": 4,
        "percent": 0,
        "marking": "internal",
        "parent": "neo-partner-framework",
        "depends_on": [],
        "updates": [],
        "concurrence": {"MLIT": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    # --- Second paper: Ukraine ----------------------------------------------------------------------------------
    {
        "key": "ukraine-nonlethal-list",
        "department": "NSS-SC",
        "initiative": "UKRAINE-SUPPORT",
        "meeting": None,
        "title": "Consolidate a list of nonlethal equipment and supplies for Ukraine",
        "title_ja": "ウクライナ向け非殺傷装備品・物資リストの取りまとめ",
        "description": (
            "Combine the MOD list of available nonlethal items, such as protective gear and medical supplies, with "
            "the METI export control review. Deliver one cleared list for the next provision decision."
        ),
        "lead": "MOD",
        "supporting": ["METI", "MOFA"],
        "priority": "urgent",
        "status": "closed",
        "due_in": -10,
        "assigned_days_ago": 30,
        "percent": 100,
        "marking": "internal",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 25, "percent": 40, "text": "MOD list of available items compiled."},
            {"days_ago": 17, "percent": 80, "text": "METI export control review completed for all items."},
            {"days_ago": 12, "percent": 100, "text": "Cleared list delivered for the provision decision."},
        ],
        "concurrence": {"METI": "concur", "MOFA": "concur"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "ukraine-reconstruction-outline",
        "department": "NSS-SC",
        "initiative": "UKRAINE-SUPPORT",
        "meeting": None,
        "title": "Outline Japan's role in Ukraine's reconstruction and its neighbours' humanitarian needs",
        "title_ja": "ウクライナ復興と周辺国の人道ニーズにおける日本の役割の整理",
        "description": (
            "Sketch where Japan could lead reconstruction support once the fighting ends, and what humanitarian help "
            "neighbouring countries still need. Cover demining, infrastructure and financing, with rough costs."
        ),
        "lead": "MOFA",
        "supporting": ["MOF", "MOD"],
        "priority": "normal",
        "status": "draft",
        "due_in": 45,
        "assigned_days_ago": None,
        "percent": 0,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [],
        "concurrence": {"MOF": "pending", "MOD": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    # --- Second paper: EU CSDP missions in Africa ----------------------------------------------------------------
    {
        "key": "csdp-mission-shortlist",
        "department": "NSS-SC",
        "initiative": "EU-CSDP-AFRICA",
        "meeting": None,
        "title": "Identify EU CSDP missions in Africa where Japan could contribute",
        "title_ja": "日本が貢献し得るアフリカのEU・CSDPミッションの特定",
        "description": (
            "Review current EU stabilisation and training missions in Africa and pick those where Japanese staff "
            "officers, trainers or funding would help most. Deliver a shortlist stating what each contribution "
            "would involve."
        ),
        "lead": "MOFA",
        "supporting": ["MOD"],
        "priority": "normal",
        "status": "in_progress",
        "due_in": 11,
        "assigned_days_ago": 18,
        "percent": 30,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 12, "percent": 10, "text": "Current missions listed with the EU delegation in Tokyo."},
            {"days_ago": 5, "percent": 30, "text": "Four missions short-listed; staffing needs requested from the EU."},
        ],
        "concurrence": {"MOD": "pending"},
        "extension": {
            "extra_days": 10,
            "reason": "The EU will share mission staffing needs only after its next planning cycle.",
            "state": "approved",
        },
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "csdp-legal-basis",
        "department": "NSS-SC",
        "initiative": "EU-CSDP-AFRICA",
        "meeting": None,
        "title": "Confirm the legal basis for sending SDF personnel to EU missions",
        "title_ja": "EUミッションへの自衛隊員派遣の法的根拠の確認",
        "description": (
            "Determine which domestic law would allow SDF officers to serve in EU missions that are not UN "
            "operations, and what Cabinet or Diet decisions would be needed. Deliver a short legal memo."
        ),
        "lead": "MOD",
        "supporting": ["MOFA"],
        "priority": "high",
        "status": "blocked",
        "due_in": -9,
        "assigned_days_ago": 20,
        "percent": 40,
        "marking": "internal",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 14, "percent": 20, "text": "Candidate legal bases listed with their limits."},
            {"days_ago": 8, "percent": 40, "text": "Draft memo sent to the Cabinet Legislation Bureau for its view."},
        ],
        "concurrence": {"MOFA": "pending"},
        "extension": None,
        "block_reason": "The Cabinet Legislation Bureau has not yet given its view on which law applies.",
        "cancel_reason": None,
    },
    # --- Second paper: equipment export system -------------------------------------------------------------------
    {
        "key": "export-korea-lessons",
        "department": "NSS-SC",
        "initiative": "EQUIPMENT-EXPORT",
        "meeting": "export-council",
        "title": "Analyse lessons from South Korea's defense export support system",
        "title_ja": "韓国の防衛輸出支援体制からの教訓の分析",
        "description": (
            "Explain how South Korea raised defense exports from about $200 million in 2006 to about $3.6 billion in "
            "2014, looking at how government, industry, embassies and attachés worked together. List the practices "
            "Japan could adopt."
        ),
        "lead": "METI",
        "supporting": ["ATLA"],
        "priority": "normal",
        "status": "closed",
        "due_in": 5,
        "assigned_days_ago": 20,
        "percent": 100,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 14, "percent": 50, "text": "Export figures and support bodies described."},
            {"days_ago": 6, "percent": 100, "text": "Lessons paper completed ahead of the due date."},
        ],
        "concurrence": {"ATLA": "concur"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "export-attache-channel",
        "department": "NSS-SC",
        "initiative": "EQUIPMENT-EXPORT",
        "meeting": "export-council",
        "title": "Set up an attaché reporting channel for defense export opportunities",
        "title_ja": "防衛輸出機会に関する防衛駐在官の報告経路の設置",
        "description": (
            "Ask defense attachés and embassies to report host-country procurement plans and equipment needs through "
            "one channel. Define a short reporting template and who receives it."
        ),
        "lead": "ATLA",
        "supporting": ["MOFA", "MOD"],
        "priority": "normal",
        "status": "cancelled",
        "due_in": -1,
        "assigned_days_ago": 16,
        "percent": 0,
        "marking": "internal",
        "parent": None,
        "depends_on": [],
        "updates": [],
        "concurrence": {"MOFA": "pending", "MOD": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": (
            "Folded into the government-industry forum item so that the attaché channel is designed with industry."
        ),
    },
    {
        "key": "export-industry-forum",
        "department": "NSS-SC",
        "initiative": "EQUIPMENT-EXPORT",
        "meeting": "export-council",
        "title": "Organise a government-industry forum on defense equipment exports",
        "title_ja": "防衛装備輸出に関する官民フォーラムの開催",
        "description": (
            "Bring METI, ATLA, MOFA, defense companies and attaché representatives together to agree how export "
            "opportunities are found, shared and pursued jointly, including an attaché reporting channel. Deliver an "
            "agenda, an invitation list and draft terms for a standing forum."
        ),
        "lead": "METI",
        "supporting": ["ATLA", "MOFA"],
        "priority": "high",
        "status": "declined",
        "due_in": 12,
        "assigned_days_ago": 1,
        "percent": 0,
        "marking": "open",
        "parent": None,
        "depends_on": ["export-korea-lessons"],
        "updates": [],
        "concurrence": {"ATLA": "pending", "MOFA": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
        "decline_reason": "Industry outreach on exports is led by ATLA; METI can support but not lead.",
    },
    # --- Second paper: Vientiane Vision --------------------------------------------------------------------------
    {
        "key": "vv-asean-observers",
        "department": "NSS-SC",
        "initiative": "VIENTIANE-VISION",
        "meeting": None,
        "title": "Invite ASEAN observers to SDF multilateral exercises this fiscal year",
        "title_ja": "今年度の自衛隊多国間演習へのASEANオブザーバー招へい",
        "description": (
            "Select the SDF exercises suitable for ASEAN observers under the Vientiane Vision and send invitations "
            "through defense attachés. Report which countries accepted and what support they need."
        ),
        "lead": "MOD",
        "supporting": ["MOFA"],
        "priority": "normal",
        "status": "submitted",
        "due_in": 6,
        "assigned_days_ago": 19,
        "percent": 100,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [
            {"days_ago": 13, "percent": 40, "text": "Three exercises selected; invitations drafted."},
            {"days_ago": 6, "percent": 80, "text": "Invitations sent; six countries have replied."},
            {"days_ago": 1, "percent": 100, "text": "Acceptances and support needs reported."},
        ],
        "concurrence": {"MOFA": "concur"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
    {
        "key": "vv-maritime-law-seminar",
        "department": "NSS-SC",
        "initiative": "VIENTIANE-VISION",
        "meeting": None,
        "title": "Run a seminar on international maritime and aviation law for ASEAN officers",
        "title_ja": "ASEAN諸国の士官向け国際海洋法・航空法セミナーの実施",
        "description": (
            "Organise a seminar for ASEAN coast guard and navy officers on the international law of the sea and air, "
            "in line with the Vientiane Vision. Deliver a program, an instructor list and a budget."
        ),
        "lead": "JCG",
        "supporting": ["MOD", "MOFA"],
        "priority": "normal",
        "status": "assigned",
        "due_in": 20,
        "assigned_days_ago": 2,
        "percent": 0,
        "marking": "open",
        "parent": None,
        "depends_on": [],
        "updates": [],
        "concurrence": {"MOD": "pending", "MOFA": "pending"},
        "extension": None,
        "block_reason": None,
        "cancel_reason": None,
    },
]
