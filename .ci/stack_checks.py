#!/usr/bin/env python3
"""Checks of the compose stack's monitoring files, used by .ci/stack-smoke.sh.

  stack_checks.py grafana GRAFANA_DIR COMPOSE_FILE
      Validates Grafana's provisioning without Grafana: the datasource and dashboard-provider YAML (fields Grafana
      requires, the Prometheus URL matching the compose service, the provider path matching the compose mount) and
      every dashboard JSON (uid, title, panels with unique ids, a grid position inside 24 columns, a known panel
      type, the provisioned datasource, targets with a refId and an expression).

  stack_checks.py queries DASHBOARD_JSON PROMETHEUS_URL SCRAPE_FILE
      Runs every panel query of the dashboard on a real Prometheus (Grafana's $__ variables replaced) and fails on
      any error, and checks that every burstgate_* / resilience4j_* metric a query names is in the gateway's
      /actuator/prometheus output (SCRAPE_FILE), apart from ANNOUNCED metrics that other parts will publish.
"""
import json
import re
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

# Metrics the dashboard shows that the gateway does not publish yet (a warning, not a failure).
ANNOUNCED = {"burstgate_budget_used_ratio"}

PANEL_TYPES = {"timeseries", "stat", "gauge", "bargauge", "piechart", "table", "state-timeline", "text", "row",
               "barchart", "heatmap"}


def fail(errors, msg):
    errors.append(msg)


def panels_of(dashboard):
    for p in dashboard.get("panels", []):
        yield p
        for inner in p.get("panels", []):  # collapsed rows
            yield inner


def check_grafana(grafana_dir, compose_file):
    errors = []
    root = Path(grafana_dir)
    compose = yaml.safe_load(Path(compose_file).read_text())
    services = compose.get("services", {})
    grafana = services.get("grafana", {})
    mounts = {}
    for v in grafana.get("volumes", []):
        if isinstance(v, str) and ":" in v:
            src, dst = v.split(":")[:2]
            mounts[Path(src).as_posix().lstrip("./")] = dst
    if "prometheus" not in services:
        fail(errors, "compose: no prometheus service")

    # Datasources
    uids = set()
    ds_files = sorted((root / "provisioning" / "datasources").glob("*.y*ml"))
    if not ds_files:
        fail(errors, "no datasource provisioning file")
    for f in ds_files:
        doc = yaml.safe_load(f.read_text())
        if doc.get("apiVersion") != 1:
            fail(errors, f"{f}: apiVersion must be 1")
        for ds in doc.get("datasources") or []:
            for key in ("name", "type", "access", "url", "uid"):
                if not ds.get(key):
                    fail(errors, f"{f}: datasource {ds.get('name')!r} lacks {key}")
            if ds.get("type") == "prometheus":
                url = urllib.parse.urlparse(ds.get("url", ""))
                if url.hostname not in services:
                    fail(errors, f"{f}: datasource URL host {url.hostname!r} is not a compose service")
                if url.port != 9090:
                    fail(errors, f"{f}: datasource URL port {url.port} is not Prometheus's 9090")
            if ds.get("access") not in ("proxy", "direct"):
                fail(errors, f"{f}: access must be proxy or direct")
            uids.add(ds.get("uid"))

    # Dashboard providers
    dashboard_dirs = []
    prov_files = sorted((root / "provisioning" / "dashboards").glob("*.y*ml"))
    if not prov_files:
        fail(errors, "no dashboard provider file")
    for f in prov_files:
        doc = yaml.safe_load(f.read_text())
        if doc.get("apiVersion") != 1:
            fail(errors, f"{f}: apiVersion must be 1")
        for p in doc.get("providers") or []:
            for key in ("name", "type", "options"):
                if not p.get(key):
                    fail(errors, f"{f}: provider {p.get('name')!r} lacks {key}")
            path = (p.get("options") or {}).get("path")
            mounted = [src for src, dst in mounts.items() if dst == path]
            if not mounted:
                fail(errors, f"{f}: provider path {path!r} is not a grafana volume in the compose file ({mounts})")
            dashboard_dirs += [Path(compose_file).parent / m for m in mounted]

    # Dashboards
    files = [f for d in dashboard_dirs for f in sorted(d.glob("*.json"))]
    if not files:
        fail(errors, "no dashboard JSON in the provisioned directories")
    for f in files:
        try:
            d = json.loads(f.read_text())
        except json.JSONDecodeError as e:
            fail(errors, f"{f}: invalid JSON: {e}")
            continue
        for key in ("uid", "title", "panels", "schemaVersion"):
            if key not in d:
                fail(errors, f"{f}: lacks {key}")
        if d.get("id") not in (None,):
            fail(errors, f"{f}: id must be null for a provisioned dashboard")
        ids = set()
        for p in panels_of(d):
            where = f"{f.name}: panel {p.get('id')} {p.get('title')!r}"
            if p.get("id") in ids:
                fail(errors, f"{where}: duplicate id")
            ids.add(p.get("id"))
            if p.get("type") not in PANEL_TYPES:
                fail(errors, f"{where}: unknown type {p.get('type')!r}")
            g = p.get("gridPos") or {}
            if not all(isinstance(g.get(k), int) for k in ("x", "y", "w", "h")) or g["x"] + g["w"] > 24:
                fail(errors, f"{where}: bad gridPos {g}")
            if p.get("type") in ("row", "text"):
                continue
            if not p.get("title"):
                fail(errors, f"{where}: no title")
            ds = p.get("datasource") or {}
            if ds.get("uid") not in uids:
                fail(errors, f"{where}: datasource uid {ds.get('uid')!r} is not provisioned ({uids})")
            targets = p.get("targets") or []
            if not targets:
                fail(errors, f"{where}: no targets")
            for t in targets:
                if not t.get("refId") or not (t.get("expr") or "").strip():
                    fail(errors, f"{where}: target without refId or expr")
                if (t.get("datasource") or ds).get("uid") not in uids:
                    fail(errors, f"{where}: target datasource not provisioned")
        for v in (d.get("templating") or {}).get("list", []):
            if v.get("type") == "query" and (v.get("datasource") or {}).get("uid") not in uids:
                fail(errors, f"{f.name}: variable {v.get('name')} uses an unprovisioned datasource")
        print(f"[grafana] {f.name}: {len(ids)} panels, datasources {sorted(uids)}")
    for e in errors:
        print(f"[grafana] ERROR {e}", file=sys.stderr)
    return not errors


def substitute(expr):
    expr = re.sub(r"\$__rate_interval|\$__interval|\$\{__rate_interval\}|\$\{__interval\}", "1m", expr)
    expr = re.sub(r"\$__range|\$\{__range\}", "10m", expr)
    expr = re.sub(r"\$\{(\w+)(:\w+)?\}|\$(\w+)", ".*", expr)
    return expr


def exported_metrics(scrape_file):
    names = set()
    for line in Path(scrape_file).read_text().splitlines():
        if line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def check_queries(dashboard_file, prometheus, scrape_file):
    d = json.loads(Path(dashboard_file).read_text())
    exported = exported_metrics(scrape_file)
    ok = True
    n = 0
    for p in panels_of(d):
        for t in p.get("targets") or []:
            expr = t.get("expr")
            if not expr:
                continue
            n += 1
            q = substitute(expr)
            url = f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": q})
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    body = json.load(r)
                status, series = body.get("status"), len(body["data"]["result"])
            except urllib.error.HTTPError as e:
                status, series = f"HTTP {e.code}: {e.read()[:300]!r}", 0
            if status != "success":
                ok = False
                print(f"[queries] ERROR {p.get('title')!r} {t.get('refId')}: {status}: {q}", file=sys.stderr)
            for m in set(re.findall(r"\b((?:burstgate|resilience4j)_[a-z0-9_]+)", expr)):
                if m in exported:
                    continue
                if m in ANNOUNCED:
                    print(f"[queries] WARN {m} ({p.get('title')!r}) is not published by the gateway yet")
                    continue
                ok = False
                print(f"[queries] ERROR {p.get('title')!r} names {m}, which the gateway does not export",
                      file=sys.stderr)
            print(f"[queries] {status} {series:3d} series  {p.get('title')} / {t.get('refId')}")
    print(f"[queries] {n} queries checked")
    return ok and n > 0


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "grafana" and len(sys.argv) == 4:
        sys.exit(0 if check_grafana(sys.argv[2], sys.argv[3]) else 1)
    if cmd == "queries" and len(sys.argv) == 5:
        sys.exit(0 if check_queries(sys.argv[2], sys.argv[3], sys.argv[4]) else 1)
    print(__doc__, file=sys.stderr)
    sys.exit(2)
