#!/usr/bin/env python3
"""Fills an events.db with N Published events for read benchmarks (docs/performance.md, Events).

    boxoffice migrate --data-dir DIR        # creates DIR/events.db with its schema
    bench/events_seed.py DIR/events.db 10000

Rows go straight into the table (the FTS5 index is kept by the schema's triggers), so no
messages are written: this measures the catalogue's reads, not inventory. Deterministic (seeded).
`rows()` is what bench/backends.py writes on either backend (on PostgreSQL with COPY as the
events role; PostgreSQL keeps the search column itself).
"""
import json
import random
import sys
import uuid

ARTISTS = ["Radiohead", "Nebula", "Aurora", "Kraftwerk", "Björk", "Café Tacvba", "Sigur Rós", "Portishead",
           "Massive Attack", "Röyksopp", "Daft Punk", "Moderat", "Air", "Phoenix", "Motörhead", "Beirut"]
KINDS = {"concert": ["Live", "Tour", "Unplugged", "Night", "in Concert"],
         "theatre": ["Hamlet", "Faust", "Le Misanthrope", "Woyzeck", "Medea"],
         "sports": ["Derby", "Cup Final", "Grand Prix", "Open", "Classic"],
         "conference": ["Summit", "Conf", "Days", "Forum", "Expo"],
         "festival": ["Festival", "Weekender", "Open Air", "Fest"],
         "comedy": ["Comedy Night", "Stand-up Special", "Late Show"]}
CITIES = [("Berlin", "DE", "Europe/Berlin"), ("München", "DE", "Europe/Berlin"), ("Köln", "DE", "Europe/Berlin"),
          ("Wien", "AT", "Europe/Vienna"), ("Zürich", "CH", "Europe/Zurich"), ("Paris", "FR", "Europe/Paris"),
          ("London", "GB", "Europe/London"), ("Madrid", "ES", "Europe/Madrid"), ("Lisboa", "PT", "Europe/Lisbon"),
          ("Amsterdam", "NL", "Europe/Amsterdam"), ("Dublin", "IE", "Europe/Dublin"), ("Praha", "CZ", "Europe/Prague")]
VENUES = ["Arena", "Halle", "Theater", "Stadium", "Club", "Forum", "Palace", "Garden"]
WORDS = ("an evening of music songs classics new album special guests seated standing doors open early "
         "limited tickets all ages accessible venue drinks food merchandise encore acoustic electric").split()

def rows(count):
    """`count` Published events as tuples in the column order of backends.EVENT_COLUMNS."""
    rng = random.Random(42)
    base_ms = 1_830_000_000_000  # 2027-12-28
    out = []
    for i in range(count):
        category = rng.choice(list(KINDS))
        city, country, tz = rng.choice(CITIES)
        name = f"{rng.choice(ARTISTS)} {rng.choice(KINDS[category])} {i}"
        description = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
        starts = base_ms + rng.randint(0, 365 * 24 * 3600) * 1000
        prices = [{"categoryId": "vip", "name": "VIP", "price": {"amount": rng.randint(50, 300) * 100, "currency": "EUR"},
                   "totalSeats": 100},
                  {"categoryId": "general", "name": "General", "price": {"amount": rng.randint(20, 80) * 100,
                                                                         "currency": "EUR"}, "totalSeats": 900}]
        out.append((str(uuid.UUID(int=rng.getrandbits(128), version=4)), name, description, category, starts,
                    starts + 3 * 3600 * 1000, tz, f"{city} {rng.choice(VENUES)}", "Main Street 1", city, country,
                    1000, json.dumps(prices, separators=(",", ":")), str(uuid.UUID(int=i + 1, version=4)),
                    "Published", 1, starts - 86_400_000 * 30, starts - 86_400_000 * 30, 2))
    return out


def main(path, count):
    import sqlite3
    from backends import EVENT_COLUMNS
    db = sqlite3.connect(path)
    db.executemany(f"INSERT INTO events ({EVENT_COLUMNS}) VALUES ({', '.join('?' * 19)})", rows(count))
    db.commit()
    print(f"{count} events in {path}")

if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10000)
