"""Word lists for synthetic letters: real countries, invented people and organisations, genre phrases."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

# (ISO code, name, capital, city): real countries the genre writes to most.
COUNTRIES = [
    ("KG", "Kyrgyzstan", "Bishkek", "Osh"), ("UZ", "Uzbekistan", "Tashkent", "Andijan"),
    ("KZ", "Kazakhstan", "Astana", "Almaty"), ("TJ", "Tajikistan", "Dushanbe", "Khujand"),
    ("TM", "Turkmenistan", "Ashgabat", "Turkmenabat"), ("AZ", "Azerbaijan", "Baku", "Ganja"),
    ("AM", "Armenia", "Yerevan", "Gyumri"), ("GE", "Georgia", "Tbilisi", "Batumi"),
    ("BY", "Belarus", "Minsk", "Gomel"), ("RU", "Russia", "Moscow", "Grozny"),
    ("UA", "Ukraine", "Kyiv", "Kharkiv"), ("TR", "Turkey", "Ankara", "Diyarbakir"),
    ("EG", "Egypt", "Cairo", "Alexandria"), ("SA", "Saudi Arabia", "Riyadh", "Jeddah"),
    ("BH", "Bahrain", "Manama", "Sitra"), ("IR", "Iran", "Tehran", "Mashhad"),
    ("IQ", "Iraq", "Baghdad", "Mosul"), ("SY", "Syria", "Damascus", "Aleppo"),
    ("YE", "Yemen", "Sanaa", "Aden"), ("MA", "Morocco", "Rabat", "Casablanca"),
    ("DZ", "Algeria", "Algiers", "Oran"), ("TN", "Tunisia", "Tunis", "Sfax"),
    ("SD", "Sudan", "Khartoum", "El Fasher"), ("ET", "Ethiopia", "Addis Ababa", "Mekelle"),
    ("ER", "Eritrea", "Asmara", "Massawa"), ("KE", "Kenya", "Nairobi", "Mombasa"),
    ("UG", "Uganda", "Kampala", "Gulu"), ("RW", "Rwanda", "Kigali", "Butare"),
    ("CD", "Democratic Republic of the Congo", "Kinshasa", "Goma"), ("NG", "Nigeria", "Abuja", "Lagos"),
    ("CM", "Cameroon", "Yaounde", "Bamenda"), ("ZW", "Zimbabwe", "Harare", "Bulawayo"),
    ("BI", "Burundi", "Gitega", "Bujumbura"), ("ML", "Mali", "Bamako", "Gao"),
    ("PK", "Pakistan", "Islamabad", "Karachi"), ("IN", "India", "New Delhi", "Srinagar"),
    ("BD", "Bangladesh", "Dhaka", "Cox's Bazar"), ("LK", "Sri Lanka", "Colombo", "Jaffna"),
    ("MM", "Myanmar", "Naypyidaw", "Yangon"), ("TH", "Thailand", "Bangkok", "Pattani"),
    ("KH", "Cambodia", "Phnom Penh", "Siem Reap"), ("VN", "Viet Nam", "Hanoi", "Ho Chi Minh City"),
    ("PH", "Philippines", "Manila", "Davao"), ("ID", "Indonesia", "Jakarta", "Jayapura"),
    ("CN", "China", "Beijing", "Urumqi"), ("MX", "Mexico", "Mexico City", "Ciudad Juarez"),
    ("GT", "Guatemala", "Guatemala City", "Quetzaltenango"), ("HN", "Honduras", "Tegucigalpa", "San Pedro Sula"),
    ("NI", "Nicaragua", "Managua", "Leon"), ("VE", "Venezuela", "Caracas", "Maracaibo"),
    ("CO", "Colombia", "Bogota", "Medellin"), ("BR", "Brazil", "Brasilia", "Rio de Janeiro"),
    ("PE", "Peru", "Lima", "Cusco"), ("CU", "Cuba", "Havana", "Santiago de Cuba"),
    ("HU", "Hungary", "Budapest", "Szeged"), ("PL", "Poland", "Warsaw", "Krakow"),
    ("GR", "Greece", "Athens", "Thessaloniki"), ("MT", "Malta", "Valletta", "Birkirkara"),
    ("GB", "United Kingdom", "London", "Belfast"), ("US", "United States", "Washington", "El Paso"),
]

ROLES = [  # (role in the address block, salutation form)
    ("President of the Republic of {country}", "President"),
    ("Prime Minister of {country}", "Prime Minister"),
    ("Minister of Justice", "Minister"), ("Minister of Internal Affairs", "Minister"),
    ("Minister of Foreign Affairs", "Minister"), ("Prosecutor General", "Prosecutor General"),
    ("Minister of Defence", "Minister"), ("Speaker of Parliament", "Speaker"),
    ("Chief Justice of the Supreme Court", "Chief Justice"), ("Minister of the Interior", "Minister"),
    ("Ambassador of {country} to the United Nations", "Ambassador"),
]
SIGNATORY_ROLES = ["Executive Director", "Director", "Programme Director", "Legal Director",
                   "Senior Researcher", "Advocacy Director", "Chair of the Board", "Secretary General",
                   "Head of Advocacy", "Regional Director"]

FIRST = """Amina Bakyt Carmen Dilnoza Emeka Farida Gulnara Hamid Ines Jamal Karim Leila Marat
Nadia Oleksandr Parveen Quentin Rustam Samira Timur Ulan Valentina Wahid Ximena Yusuf Zarina Anatoly
Beatriz Chiara Darius Elif Fernando Galym Halima Igor Joaquin Kamila Lucia Mehmet Nilufar Oksana
Pablo Ravshan Sevara Tariq Ulrike Viktor Wanjiru Yerlan Zeynep""".split()
LAST = """Abdullaev Baimukhamedov Castellanos Dzhumabaev Eze Faizullah Gonzaga Haidari Ibragimova
Juraev Kamalova Lindqvist Mwangi Nazarova Okonkwo Petrenko Qodirov Rahimova Saidov Tursunov
Umarova Valdivia Wojcik Yakubov Zhakupova Alvarado Berikbayev Chowdhury Demirci Espinoza Fattah
Garipova Hakimov Iskandarova Jovanovic Karimov Lemaire Mirzayev Nurmagambetova Ortega Pashayev
Rashidova Sultanov Tokhtarov Usmanova Vasquez Yilmaz Zoirov""".split()

ORG_HEADS = ["Centre", "Committee", "Network", "Coalition", "Institute", "Foundation", "Alliance",
             "League", "Forum", "Observatory", "Initiative", "Council"]
ORG_CAUSES = ["Justice and Accountability", "the Rights of Detainees", "Press Freedom",
              "Refugee Protection", "Civic Space", "Fair Trials", "Women's Rights", "Children's Rights",
              "the Prevention of Torture", "Free Expression", "Minority Rights", "Land and Housing Rights",
              "Labour Rights", "Human Rights Defenders", "Transitional Justice", "Digital Rights"]
ORG_PLACES = ["", "", "Eurasian ", "African ", "Asian ", "Latin American ", "Global ", "Regional ",
              "International ", "Central Asian ", "Mediterranean "]
STREETS = ["Rue de Lausanne", "Rue du Rhone", "K Street NW", "Grays Inn Road", "Avenue Louise",
           "Kurfuerstendamm", "Calle de Alcala", "Nevsky Prospekt", "Orchard Road", "Via Nazionale"]
OFFICE_CITIES = ["Geneva", "Washington, DC", "London", "Brussels", "Berlin", "Madrid", "Nairobi",
                 "Bangkok", "New York", "Paris", "Vienna", "Oslo"]

TOPICS = ["the detention of journalists", "the arrest of peaceful protesters", "the forced return of refugees",
          "the closure of independent media", "the prosecution of human rights defenders",
          "allegations of torture in pre-trial detention", "the use of lethal force against demonstrators",
          "the death penalty", "enforced disappearances", "restrictions on civil society organisations",
          "the treatment of asylum seekers", "the detention of children in immigration centres",
          "the blocking of websites and messaging services", "mass trials before military courts",
          "forced evictions", "forced labour in the cotton harvest", "discrimination against minorities"]
ABUSES = ["torture", "arbitrary detention", "ill-treatment", "enforced disappearance", "harassment",
          "intimidation", "incommunicado detention", "unfair trial", "surveillance", "reprisals"]
VICTIMS = ["journalists", "lawyers", "human rights defenders", "students", "trade unionists",
           "opposition activists", "refugees", "asylum seekers", "bloggers", "religious believers",
           "members of ethnic minorities", "women activists", "environmental defenders"]
ACTIONS = ["release immediately and unconditionally", "ensure a prompt, impartial and effective investigation into",
           "guarantee access to lawyers of their choosing for", "end the harassment of",
           "allow independent monitors to visit", "drop all charges against", "protect from reprisals"]
CHARGES = ["extremism", "hooliganism", "disseminating false information", "insulting the president",
           "mass disorder", "membership in a banned organisation", "tax evasion", "espionage",
           "inciting hatred", "illegal border crossing", "undermining state security"]
REVIEWS = ["Universal Periodic Review", "last review by the Human Rights Committee",
           "review by the Committee against Torture", "review by the Committee on the Rights of the Child"]
FACILITIES = ["a pre-trial detention centre", "a high-security prison", "a police station",
              "an immigration detention centre", "a psychiatric hospital", "a military barracks",
              "solitary confinement", "a penal colony"]
RIGHTS = ["freedom of expression", "freedom of peaceful assembly", "freedom of association",
          "the right to a fair trial", "the right to seek asylum", "the prohibition of torture",
          "the right to liberty and security of person", "the right to privacy", "freedom of religion"]

# Typical articles cited per instrument id; others get article numbers from 1 to 20.
ARTICLES = {
    "udhr": ["3", "5", "9", "10", "14", "19", "20"], "iccpr": ["2(3)", "6", "7", "9", "9(1)", "10", "14", "19", "21", "22"],
    "cat": ["1", "2", "3", "12", "13", "14", "15"], "refugee-convention": ["1A(2)", "31", "33", "33(1)"],
    "crc": ["3", "3(1)", "22", "37", "37(b)", "40"], "echr": ["3", "5", "6", "10", "11"],
    "icescr": ["6", "7", "11", "12"], "cedaw": ["2", "5", "16"], "cerd": ["2", "5"],
    "geneva-conventions": ["common 3"], "ced": ["1", "2", "17"],
}
PREFERRED = ["iccpr", "udhr", "cat", "refugee-convention", "crc", "icescr", "cedaw", "cerd", "echr", "ced"]


@lru_cache(maxsize=1)
def instruments() -> list[dict]:
    """Instrument ids, main names and short names read from the bundled authority file."""
    path = Path(__file__).resolve().parent.parent / "archive" / "data" / "authority" / "instruments.xml"
    ns = {"t": "http://www.tei-c.org/ns/1.0"}
    tree = etree.parse(str(path))
    out = []
    for bibl in tree.iterfind(".//t:bibl", ns):
        ident = bibl.get("{http://www.w3.org/XML/1998/namespace}id")
        main = bibl.findtext("t:title[@type='main']", namespaces=ns)
        shorts = [t.text for t in bibl.iterfind("t:title[@type='short']", ns)
                  if t.text and not t.text.startswith("the ")]
        if ident and main:
            out.append({"id": ident, "name": main, "shorts": shorts})
    return out
