"""`fbsync pipelines list|create|define`: a workspace's sales pipelines and their stages."""

from __future__ import annotations

import argparse

from core import pages, pipeline
from core.cli.common import open_database, settings_from_env


def add_pipelines_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pipelines_parser = commands.add_parser("pipelines", help="sales pipelines and their stages")
    pipelines_commands = pipelines_parser.add_subparsers(dest="pipelines_command", required=True)
    listing = pipelines_commands.add_parser("list", help="list pipelines")
    listing.add_argument("--team", default=pages.LOCAL_TEAM_ID)
    listing.set_defaults(func=cmd_pipelines_list)
    create = pipelines_commands.add_parser("create", help="create a pipeline with ordered stages")
    create.add_argument("name")
    create.add_argument("stages", nargs="+", help="stage names, first to last")
    create.add_argument("--team", default=pages.LOCAL_TEAM_ID)
    create.set_defaults(func=cmd_pipelines_create)
    define = pipelines_commands.add_parser("define", help="set what a stage requires (the analyzer is told)")
    define.add_argument("pipeline", help="pipeline name or id")
    define.add_argument("stage")
    define.add_argument("definition", help="the stage's entry criteria; '' clears it")
    define.add_argument("--team", default=pages.LOCAL_TEAM_ID)
    define.set_defaults(func=cmd_pipelines_define)


def cmd_pipelines_list(args: argparse.Namespace) -> int:
    with open_database(settings_from_env()) as pool, pool.connection() as conn, conn.transaction():
        found = pipeline.list_pipelines(conn, pages.ensure_organization(conn, args.team))
    for p in found:
        print(f"{p.id}  {p.name}: {' -> '.join(p.stage_names)}")
    return 0


def cmd_pipelines_create(args: argparse.Namespace) -> int:
    with open_database(settings_from_env()) as pool, pool.connection() as conn, conn.transaction():
        created = pipeline.create_pipeline(conn, pages.ensure_organization(conn, args.team), args.name, args.stages)
    print(f"created pipeline {created.name}: {' -> '.join(created.stage_names)}")
    return 0


def cmd_pipelines_define(args: argparse.Namespace) -> int:
    with open_database(settings_from_env()) as pool, pool.connection() as conn, conn.transaction():
        found = pipeline.find_pipeline(conn, pages.ensure_organization(conn, args.team), args.pipeline)
        updated = pipeline.define_stage(conn, found, args.stage, args.definition)
    stage = next(s for s in updated.stages if s.name.casefold() == args.stage.strip().casefold())
    print(f"{updated.name} / {stage.name}: {stage.definition or '(no definition: judged by its name)'}")
    return 0
