"""Word lists the demo generators draw from, so generated rows read like real data."""

FIRST_NAMES = (
    "Emma", "Liam", "Olivia", "Noah", "Ava", "Elijah", "Sophia", "Lucas", "Mia", "Mateo",
    "Isabella", "Leo", "Amelia", "Hugo", "Charlotte", "Arjun", "Priya", "Wei", "Mei", "Yuki",
    "Hiro", "Fatima", "Omar", "Aisha", "Yusuf", "Elena", "Marco", "Giulia", "Lars", "Ingrid",
    "Sven", "Anna", "Jan", "Zofia", "Pavel", "Olga", "Diego", "Camila", "Santiago", "Valentina",
    "Chloe", "Louis", "Jules", "Lea", "Finn", "Hannah", "Jonas", "Lena", "Kofi", "Amara",
    "Tomas", "Ines", "Raj", "Ananya", "Chen", "Lin", "Sara", "David", "Grace", "Samuel",
)

LAST_NAMES = (
    "Smith", "Johnson", "Garcia", "Martinez", "Brown", "Miller", "Davis", "Lopez", "Wilson", "Taylor",
    "Anderson", "Thomas", "Moore", "Martin", "Lee", "Walker", "Hall", "Young", "King", "Wright",
    "Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Dubois", "Laurent", "Bernard", "Rossi",
    "Russo", "Ferrari", "Kowalski", "Nowak", "Novak", "Ivanova", "Petrov", "Jensen", "Hansen",
    "Larsen", "Nielsen", "Tanaka", "Suzuki", "Sato", "Kim", "Park", "Wang", "Zhang", "Liu",
    "Patel", "Sharma", "Singh", "Gupta", "Okafor", "Mensah", "Silva", "Santos", "Costa", "Oliveira",
    "Haddad", "Nasser",
)

# (city, country) pairs weighted towards a few big markets in the generators.
CITIES = (
    ("New York", "US"), ("San Francisco", "US"), ("Chicago", "US"), ("Austin", "US"), ("Seattle", "US"),
    ("Boston", "US"), ("London", "GB"), ("Manchester", "GB"), ("Edinburgh", "GB"), ("Berlin", "DE"),
    ("Munich", "DE"), ("Hamburg", "DE"), ("Paris", "FR"), ("Lyon", "FR"), ("Madrid", "ES"),
    ("Barcelona", "ES"), ("Milan", "IT"), ("Rome", "IT"), ("Amsterdam", "NL"), ("Warsaw", "PL"),
    ("Stockholm", "SE"), ("Copenhagen", "DK"), ("Toronto", "CA"), ("Vancouver", "CA"), ("Sydney", "AU"),
    ("Melbourne", "AU"), ("Tokyo", "JP"), ("Osaka", "JP"), ("Seoul", "KR"), ("Singapore", "SG"),
    ("Bangalore", "IN"), ("Mumbai", "IN"), ("Sao Paulo", "BR"), ("Mexico City", "MX"), ("Lagos", "NG"),
)

EMAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com", "fastmail.com")
