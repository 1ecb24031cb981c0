"""Rows of the ``hr`` demo: departments, employees with a management tree, projects and pay."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlfix.demo.sampling import date_between, maybe, person_name, skewed

EMPLOYEES = 900
PROJECTS = 80

DEPARTMENTS = (
    ("Engineering", "Berlin"), ("Sales", "New York"), ("Marketing", "London"), ("Customer Success", "Austin"),
    ("Finance", "New York"), ("People", "London"), ("Product", "Berlin"), ("Data", "Amsterdam"),
    ("Legal", "New York"), ("Operations", "Warsaw"), ("Security", "Berlin"), ("Design", "Amsterdam"),
)
OFFICES = ("Berlin", "New York", "London", "Austin", "Amsterdam", "Warsaw", "Toronto")
TITLES = {
    "Engineering": ("Software Engineer", "Backend Engineer", "Frontend Engineer", "Site Reliability Engineer"),
    "Sales": ("Account Executive", "Sales Development Rep", "Sales Engineer"),
    "Marketing": ("Marketing Manager", "Content Writer", "Growth Marketer"),
    "Customer Success": ("Support Specialist", "Customer Success Manager"),
    "Finance": ("Accountant", "Financial Analyst", "Controller"),
    "People": ("Recruiter", "HR Business Partner"),
    "Product": ("Product Manager", "Product Owner"),
    "Data": ("Data Engineer", "Data Scientist", "Analytics Engineer"),
    "Legal": ("Counsel", "Paralegal"),
    "Operations": ("Operations Analyst", "Office Manager", "IT Administrator"),
    "Security": ("Security Engineer", "Security Analyst"),
    "Design": ("Product Designer", "UX Researcher"),
}
LEVELS = ("junior", "mid", "senior", "lead")
BASE_SALARY = {"junior": 52000, "mid": 72000, "senior": 98000, "lead": 125000, "director": 165000,
               "executive": 240000}
PROJECT_WORDS = (("Apollo", "Atlas", "Beacon", "Compass", "Delta", "Everest", "Falcon", "Horizon", "Lighthouse",
                  "Mercury", "Nova", "Orion", "Phoenix", "Quartz", "Summit", "Titan"),
                 ("Migration", "Redesign", "Launch", "Platform", "Analytics", "Onboarding", "Automation", "Audit"))
PROJECT_STATUSES = ("active", "completed", "planned", "on_hold", "cancelled")
ROLES = ("developer", "analyst", "designer", "tester", "consultant", "coordinator")
FIRST_DAY = date(2015, 1, 5)
TODAY = date(2025, 12, 31)


def generate(rng: random.Random) -> dict[str, list[tuple]]:
    """Return the rows of every ``hr`` table, parents first, columns in DDL order."""
    departments = [(i, name, office, maybe(rng, Decimal(rng.randrange(400, 9000) * 1000), 0.15),
                    date_between(rng, date(2014, 1, 1), date(2021, 12, 31)))
                   for i, (name, office) in enumerate(DEPARTMENTS, start=1)]
    employees = _employees(rng, departments)
    projects = _projects(rng, departments, employees)
    return {"departments": departments, "employees": employees, "projects": projects,
            "assignments": _assignments(rng, employees, projects),
            "salary_history": _salary_history(rng, employees)}


def _employees(rng: random.Random, departments: list[tuple]) -> list[tuple]:
    rows: list[tuple] = []
    ceo_first, ceo_last = person_name(rng)
    rows.append(_employee(1, ceo_first, ceo_last, None, None, "Chief Executive Officer", "executive",
                          FIRST_DAY, "New York", rng))
    directors = {}
    for dept in departments:
        first, last = person_name(rng)
        employee_id = len(rows) + 1
        directors[dept[0]] = employee_id
        rows.append(_employee(employee_id, first, last, dept[0], 1, f"Director of {dept[1]}", "director",
                              date_between(rng, FIRST_DAY, date(2020, 6, 30)), dept[2], rng))
    leads: dict[int, list[int]] = {d[0]: [] for d in departments}
    while len(rows) < EMPLOYEES:
        dept = skewed(rng, departments, 0.9)
        employee_id = len(rows) + 1
        level = rng.choices(LEVELS, weights=(25, 40, 25, 10))[0]
        manager = directors[dept[0]] if level == "lead" or not leads[dept[0]] else rng.choice(leads[dept[0]])
        if level == "lead":
            leads[dept[0]].append(employee_id)
        first, last = person_name(rng)
        title = rng.choice(TITLES[dept[1]])
        if level in ("senior", "lead"):
            title = f"{'Senior' if level == 'senior' else 'Lead'} {title}"
        location = dept[2] if rng.random() < 0.75 else rng.choice(OFFICES)
        hired = date_between(rng, FIRST_DAY, date(2025, 10, 31))
        rows.append(_employee(employee_id, first, last, maybe(rng, dept[0], 0.01), manager, title, level, hired,
                              location, rng))
    return rows


def _employee(employee_id: int, first: str, last: str, department_id: int | None, manager_id: int | None,
              title: str, level: str, hired: date, location: str, rng: random.Random) -> tuple:
    salary = Decimal(round(BASE_SALARY[level] * rng.uniform(0.85, 1.3), -2))
    left = None
    if level not in ("executive", "director") and rng.random() < 0.14:
        left = min(hired + timedelta(days=rng.randint(90, 2500)), TODAY)
    email = f"{first[0]}.{last}{employee_id}@corp.example".lower()
    return (employee_id, first, last, email, department_id, manager_id, title, level, hired, left, salary, location,
            rng.random() < 0.22)


def _projects(rng: random.Random, departments: list[tuple], employees: list[tuple]) -> list[tuple]:
    rows = []
    for project_id in range(1, PROJECTS + 1):
        dept = skewed(rng, departments, 0.8)
        staff = [e for e in employees if e[4] == dept[0] and e[7] in ("lead", "senior", "director")]
        status = rng.choices(PROJECT_STATUSES, weights=(35, 35, 12, 10, 8))[0]
        start = date_between(rng, date(2023, 1, 1), date(2025, 11, 30))
        end = min(start + timedelta(days=rng.randint(30, 500)), TODAY) if status in ("completed", "cancelled") else None
        name = f"{rng.choice(PROJECT_WORDS[0])} {rng.choice(PROJECT_WORDS[1])}"
        rows.append((project_id, name, dept[0], rng.choice(staff)[0] if staff and rng.random() > 0.05 else None,
                     status, start, end, maybe(rng, Decimal(rng.randrange(20, 900) * 1000), 0.2)))
    return rows


def _assignments(rng: random.Random, employees: list[tuple], projects: list[tuple]) -> list[tuple]:
    rows = []
    for project in projects:
        pool = [e for e in employees if e[4] == project[2]] or list(employees)
        team = rng.sample(pool, k=min(len(pool), rng.randint(3, 30)))
        for member in team:
            hours = rng.choice((4.0, 8.0, 10.0, 16.0, 20.0, 24.0, 32.0, 40.0))
            assigned = project[5] + timedelta(days=rng.randint(0, 60))
            rows.append((member[0], project[0], skewed(rng, ROLES, 0.9), hours, assigned))
    return rows


def _salary_history(rng: random.Random, employees: list[tuple]) -> list[tuple]:
    rows = []
    for employee in employees:
        current = employee[10]
        hired = employee[8]
        last_day = employee[9] or TODAY
        changes = max(0, (last_day - hired).days // 365)
        salary = (current / Decimal(1.04) ** changes).quantize(Decimal("1"))
        rows.append((employee[0], hired, salary, "hire"))
        for year in range(1, changes + 1):
            day = hired + timedelta(days=365 * year)
            salary = current if year == changes else (salary * Decimal(rng.uniform(1.02, 1.07))).quantize(Decimal("1"))
            reason = rng.choices(("annual_review", "promotion", "adjustment"), weights=(75, 15, 10))[0]
            rows.append((employee[0], day, salary, reason))
    return rows
