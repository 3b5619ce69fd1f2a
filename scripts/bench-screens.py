#!/usr/bin/env python3
"""Measures the latency of the main screens of a running parcours server.

Usage: scripts/bench-screens.py BASE_URL [--users 8] [--requests 200] [--set people|catalogue]

Signs in once per simulated user (demo accounts), then each user requests
every screen in turn; prints median, 99th percentile and throughput per
screen as a Markdown table. Stdlib only. A benchmark, not a test: it
asserts nothing, it reports.
"""
import argparse
import concurrent.futures
import http.cookiejar
import re
import statistics
import time
import urllib.parse
import urllib.request

PASSWORD = "parcours-demo-2026"


def session(base, email):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/connexion").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD}).encode()
    opener.open(base + "/connexion", data=data).read()
    return opener


def timed(opener, url):
    start = time.perf_counter()
    with opener.open(url) as response:
        response.read()
        status = response.status
    return (time.perf_counter() - start) * 1000, status


def first_person(base, opener, name):
    html = opener.open(base + "/personnes?nom=" + urllib.parse.quote(name)).read().decode()
    found = re.search(r'href="(/personnes/[0-9a-f-]{36})"', html)
    return found.group(1) if found else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200, help="requests per screen")
    parser.add_argument("--set", choices=["people", "catalogue"], default="people")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    screens = catalogue_screens(base) if args.set == "catalogue" else people_screens(base)
    measure(base, screens, args.users, args.requests)


def catalogue_screens(base):
    """The public catalogue (anonymous) and the chargé de mission's views."""
    public = urllib.request.build_opener()
    mission = session(base, "mission@demo.parcours.fr")
    html = public.open(base + "/catalogue?q=atelier").read().decode()
    action = re.search(r'href="(/catalogue/[0-9a-f-]{36})"', html).group(1)
    return [
        ("healthz (plancher)", public, "/healthz"),
        ("catalogue public, sans filtre", public, "/catalogue"),
        ("catalogue : mot (atelier)", public, "/catalogue?q=atelier"),
        ("catalogue : catégorie numérique", public, "/catalogue?thematique=numerique"),
        ("catalogue : commune + places libres", public, "/catalogue?commune=14118&places=1"),
        ("catalogue : public + format + mot", public, "/catalogue?public=jeunes&format=collective&q=caen"),
        ("fiche publique d'une action", public, action),
        ("actions (chargé de mission), page 10", mission, "/actions?page=10"),
        ("programme de l'année (chargé de mission)", mission, "/programme"),
    ]


def people_screens(base):
    """The référent's and the cadre's screens over the person files."""
    referent = session(base, "referent@demo.parcours.fr")
    cadre = session(base, "cadre@demo.parcours.fr")
    person = first_person(base, referent, "lefevre magali")
    return [
        ("healthz (plancher)", referent, "/healthz"),
        ("accueil référent", referent, "/"),
        ("portefeuille", referent, "/portefeuille"),
        ("fiche personne", referent, person),
        ("recherche par nom (martin)", referent, "/personnes?nom=martin"),
        ("recherche préfixe (ler)", referent, "/personnes?nom=ler"),
        ("recherche par date de naissance", referent, "/personnes?naissance=1979-05-12"),
        ("échéances du référent", referent, "/echeances"),
        ("échéances de l'organisation (cadre)", cadre, "/echeances"),
        ("file de validation (cadre)", cadre, "/orientations"),
    ]


def measure(base, screens, users, requests):
    print(f"| écran | médiane (ms) | p99 (ms) | débit (req/s) | erreurs |")
    print(f"|---|---:|---:|---:|---:|")
    for label, opener, path in screens:
        url = base + path
        timed(opener, url)  # warm-up
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=users) as pool:
            results = list(pool.map(lambda _: timed(opener, url), range(requests)))
        elapsed = time.perf_counter() - started
        latencies = sorted(ms for ms, _ in results)
        errors = sum(1 for _, status in results if status >= 400)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"| {label} | {statistics.median(latencies):.1f} | {p99:.1f} | {len(results) / elapsed:.0f} | {errors} |")


if __name__ == "__main__":
    main()
