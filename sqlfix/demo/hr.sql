-- hr: a company's departments, staff, projects and pay history.
CREATE TABLE departments (
    department_id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    location VARCHAR NOT NULL,
    budget DECIMAL(14, 2),
    created_on DATE NOT NULL
);

CREATE TABLE employees (
    employee_id INTEGER PRIMARY KEY,
    first_name VARCHAR NOT NULL,
    last_name VARCHAR NOT NULL,
    email VARCHAR NOT NULL,
    department_id INTEGER REFERENCES departments (department_id),
    manager_id INTEGER REFERENCES employees (employee_id),
    title VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    hire_date DATE NOT NULL,
    termination_date DATE,
    salary DECIMAL(10, 2) NOT NULL,
    location VARCHAR NOT NULL,
    is_remote BOOLEAN NOT NULL
);

CREATE TABLE projects (
    project_id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    department_id INTEGER NOT NULL REFERENCES departments (department_id),
    lead_id INTEGER REFERENCES employees (employee_id),
    status VARCHAR NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE,
    budget DECIMAL(12, 2)
);

CREATE TABLE assignments (
    employee_id INTEGER NOT NULL REFERENCES employees (employee_id),
    project_id INTEGER NOT NULL REFERENCES projects (project_id),
    role VARCHAR NOT NULL,
    hours_per_week DOUBLE NOT NULL,
    assigned_on DATE NOT NULL,
    PRIMARY KEY (employee_id, project_id)
);

CREATE TABLE salary_history (
    employee_id INTEGER NOT NULL REFERENCES employees (employee_id),
    effective_date DATE NOT NULL,
    salary DECIMAL(10, 2) NOT NULL,
    reason VARCHAR NOT NULL,
    PRIMARY KEY (employee_id, effective_date)
);

COMMENT ON TABLE departments IS 'Organisational units';
COMMENT ON COLUMN departments.location IS 'Office the department is based in';
COMMENT ON COLUMN departments.budget IS 'Yearly budget in USD; NULL when not yet approved';
COMMENT ON TABLE employees IS 'Everyone who works or has worked at the company';
COMMENT ON COLUMN employees.manager_id IS 'Direct manager (another employee); NULL for the CEO';
COMMENT ON COLUMN employees.level IS 'Career level: junior, mid, senior, lead, director or executive';
COMMENT ON COLUMN employees.termination_date IS 'Last working day; NULL for current staff';
COMMENT ON COLUMN employees.salary IS 'Current yearly base salary in USD';
COMMENT ON COLUMN employees.location IS 'Office city the employee belongs to';
COMMENT ON TABLE projects IS 'Internal and client projects';
COMMENT ON COLUMN projects.lead_id IS 'Employee leading the project';
COMMENT ON COLUMN projects.status IS 'planned, active, on_hold, completed or cancelled';
COMMENT ON COLUMN projects.end_date IS 'Completion date; NULL while not finished';
COMMENT ON TABLE assignments IS 'Who works on which project';
COMMENT ON COLUMN assignments.role IS 'Role on the project (developer, analyst, designer...)';
COMMENT ON COLUMN assignments.hours_per_week IS 'Planned weekly hours on the project';
COMMENT ON TABLE salary_history IS 'Every salary change, including the starting salary';
COMMENT ON COLUMN salary_history.reason IS 'hire, promotion, annual_review or adjustment';
