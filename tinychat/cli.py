"""The ``tinychat`` command: parse arguments, call one function per command."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from tinychat.domain.builtin import BUILTIN_DOMAINS
from tinychat.domain.utterance import normalise_utterance

#: corpus examples sampled by ``eval --unseen`` to find the lines our templates also say
UNSEEN_SAMPLE = 200_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tinychat", description="Offline assistants for appliances.")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("parse", help="turn utterances into actions (one JSON object per line)")
    _model_args(p)
    p.add_argument("text", nargs="?", help="the utterance (or use --jsonl)")
    p.add_argument("--jsonl", type=Path, help='file of {"text": ...} lines')
    p.set_defaults(run=_parse)

    p = commands.add_parser("say", help="one turn with the assistant; state persists between calls")
    _assistant_args(p)
    p.add_argument("text", help="what the user says")
    p.add_argument("--json", action="store_true",
                   help='print {"reply", "lang", "action", "more_actions", "pending", "events"}')
    p.set_defaults(run=_say)

    p = commands.add_parser("chat", help="talk to the assistant (line editing, history, events as they fire)")
    _assistant_args(p)
    p.set_defaults(run=_chat)

    p = commands.add_parser("demo", help="a scripted showcase of both built-in domains, then chat")
    p.add_argument("--state", type=Path, help="where the demo keeps its state (default: a fresh temp dir)")
    p.add_argument("--no-chat", action="store_true", help="end after the script")
    p.set_defaults(run=_demo)

    p = commands.add_parser("eval", help="accuracy on a labelled JSONL file (ours or SLURP's)")
    _model_args(p)
    p.add_argument("--jsonl", type=Path, required=True, action="append", help="labelled file (repeatable)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--errors", type=int, default=0, metavar="N", help="also list N misparsed lines")
    p.add_argument("--unseen", action="store_true",
                   help=f"leave out lines our templates also say (found in a {UNSEEN_SAMPLE:,}-example corpus sample)")
    p.set_defaults(run=_eval)

    p = commands.add_parser("corpus", help="write synthesised, labelled utterances as JSONL (to inspect or test)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--domain", choices=BUILTIN_DOMAINS)
    source.add_argument("--spec", type=Path, help="your own domain spec (YAML or JSON)")
    p.add_argument("--split", choices=["train", "test"], default="test", help="test: held-out templates only")
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lang", help="only this language")
    p.set_defaults(run=_corpus)

    p = commands.add_parser("train", help="synthesise a corpus and train a model for a domain (needs torch)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--domain", choices=BUILTIN_DOMAINS)
    source.add_argument("--spec", type=Path, help="your own domain spec (YAML or JSON)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--config", type=Path, help="training settings (YAML/JSON, fields of TrainConfig)")
    p.add_argument("--seed", type=int)
    p.add_argument("--steps", type=int)
    p.add_argument("--micro", action="store_true", help="a seconds-long toy model, to test the path")
    p.add_argument("--all-templates", action="store_true",
                   help="train on held-out templates too (for a model to ship; its held-out test is then void)")
    p.set_defaults(run=_train)

    p = commands.add_parser("compile", help="compile a model into a native bundle for a target (needs TVM)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--domain", choices=BUILTIN_DOMAINS)
    source.add_argument("--model", type=Path, help="a trained model directory")
    p.add_argument("--target", default="host", help="a target name (see `tinychat targets`) or descriptor file")
    p.add_argument("--quant", help="q0f32, q8 or q4 (default: the target's)")
    p.add_argument("--out", type=Path, help="default: compiled/<domain>-<target>-<quant>/")
    p.add_argument("--tune", type=int, default=0, metavar="TRIALS",
                   help="MetaSchedule trials to measure before compiling (default 0: apply the target's "
                        "tuning database as it is, if it has one)")
    p.add_argument("--tuning-db", type=Path, help="tuning database directory (default: compiled/tuning/<target>/)")
    p.add_argument("--rpc", metavar="KEY@HOST:PORT",
                   help="measure on a board registered with this TVM RPC tracker instead of here (README)")
    p.set_defaults(run=_compile)

    p = commands.add_parser("verify", help="check a bundle's manifest, hashes and (where it runs) its output")
    p.add_argument("bundle", type=Path)
    p.add_argument("--emulate", action="store_true",
                   help="also run an aarch64 Linux bundle under qemu-aarch64 as its target's core (needs qemu)")
    p.set_defaults(run=_verify)

    p = commands.add_parser("deploy", help="install a bundle into a device's A/B slots; --rollback; --status")
    p.add_argument("bundle", type=Path, nargs="?", help="a compiled bundle directory to install")
    p.add_argument("--root", type=Path, required=True, help="the device's root directory (/ on the board)")
    p.add_argument("--target", help="the device's target; other bundles are refused (kept in ROOT/etc/tinychat/target)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--rollback", action="store_true", help="make the previous slot active again (re-verified)")
    what.add_argument("--status", action="store_true", help="which slot is active and what each holds")
    p.add_argument("--json", action="store_true", help="with --status: print JSON")
    p.set_defaults(run=_deploy)

    p = commands.add_parser("targets", help="list the compile targets")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_targets)

    p = commands.add_parser("bench", help="speed and memory of the compiled engine against its baselines")
    p.add_argument("--domain", default="fridge")
    p.add_argument("--target", default="host")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repetitions", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_bench)

    p = commands.add_parser("serve", help="answer over MQTT (a broker on this device) and/or a serial line")
    _assistant_args(p)
    p.add_argument("--device", help="device id in the topics tinychat/<device>/... (default: the domain's name)")
    p.add_argument("--mqtt", metavar="URL",
                   help="broker on this device: mqtt://127.0.0.1:1883 or unix:///PATH (mqtts://HOST only with "
                        "--allow-remote-broker)")
    p.add_argument("--allow-remote-broker", action="store_true",
                   help="allow a broker off this device; it must be mqtts:// with credentials")
    p.add_argument("--mqtt-credentials", type=Path, metavar="FILE",
                   help="a chmod 600 file holding 'username:password' (or set TINYCHAT_MQTT_USERNAME and "
                        "TINYCHAT_MQTT_PASSWORD)")
    p.add_argument("--mqtt-ca", type=Path, metavar="FILE", help="CA bundle for mqtts:// (default: the system's)")
    p.add_argument("--no-hermes", action="store_true", help="do not answer Hermes NLU queries (hermes/nlu/query)")
    p.add_argument("--hermes-site", action="append", metavar="SITE_ID",
                   help="answer Hermes queries from this siteId only (repeatable; default: every site)")
    p.add_argument("--poll-interval", type=float, default=0.2, metavar="SECONDS",
                   help="how often due timers and alarms are looked for")
    p.add_argument("--serial", metavar="PORT", help="serve a microcontroller on this serial port too (or only)")
    p.add_argument("--baud", type=int, default=115200)
    p.set_defaults(run=_serve)

    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except (ValueError, LookupError, OSError, RuntimeError) as err:
        print(f"tinychat {args.command}: error: {err}", file=sys.stderr)
        return 2


def _model_args(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--domain", help=f"built-in domain {list(BUILTIN_DOMAINS)}")
    which.add_argument("--model", type=Path, help="a trained model directory")
    which.add_argument("--bundle", type=Path, help="a compiled bundle (runs on TVM's runtime library)")
    p.add_argument("--backend", choices=["auto", "bundle", "reference"], default="auto",
                   help="for --domain/--model: bundle = native code (the shipped host bundle, or one compiled on "
                        "first use), reference = numpy, auto = bundle where possible (a --bundle always runs "
                        "its native code)")
    p.add_argument("--threshold", type=float, help="confidence below which the answer is out_of_domain")


def _load_parser(args: argparse.Namespace):  # noqa: ANN202
    from tinychat.runtime.parser import DEFAULT_THRESHOLD, Parser

    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    if args.bundle:
        return Parser.from_bundle(args.bundle, threshold=threshold)
    return Parser.load(args.domain or args.model, threshold=threshold, backend=args.backend,
                       progress=lambda line: print(line, file=sys.stderr, flush=True))


def _assistant_args(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--domain", help=f"built-in domain {list(BUILTIN_DOMAINS)} or a model directory")
    which.add_argument("--bundle", type=Path, help="a compiled bundle (runs on TVM's runtime library)")
    p.add_argument("--state", type=Path, help="state directory (default ~/.local/share/tinychat/<domain>)")
    p.add_argument("--recover-state", action="store_true",
                   help="move a damaged state database aside (kept as state.db.bad-<time>) and start empty")


def _load_assistant(args: argparse.Namespace):  # noqa: ANN202
    from tinychat.dialogue import Assistant

    return Assistant.load(args.domain or "fridge", args.state, bundle=args.bundle, recover=args.recover_state)


def _say(args: argparse.Namespace) -> int:
    from tinychat.dialogue.console import say

    with _load_assistant(args) as assistant:
        say(assistant, args.text, args.json)
    return 0


def _chat(args: argparse.Namespace) -> int:
    from tinychat.dialogue.console import chat

    with _load_assistant(args) as assistant:
        chat(assistant)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from tinychat.dialogue.console import demo

    demo(list(BUILTIN_DOMAINS), args.state, then_chat=None if args.no_chat or not sys.stdin.isatty() else "fridge")
    return 0


def _parse(args: argparse.Namespace) -> int:
    if (args.text is None) == (args.jsonl is None):
        raise ValueError("give either an utterance or --jsonl FILE")
    parser = _load_parser(args)
    texts = [args.text] if args.text is not None else _read_texts(args.jsonl)
    for text in texts:
        action = parser.parse(text)
        print(json.dumps(action.model_dump(), ensure_ascii=False), flush=True)
    return 0


def _read_texts(path: Path) -> list[str]:
    texts = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            texts.append(str(row["text"]))
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise ValueError(f"{path}:{number}: expected a JSON object with a 'text' field ({err})") from None
    return texts


def _eval(args: argparse.Namespace) -> int:
    from tinychat.runtime.evaluate import evaluate, format_report, read_labelled

    parser = _load_parser(args)
    seen = _template_sentences(parser.spec) if args.unseen else set()
    results = {}
    for path in args.jsonl:
        items = read_labelled(path, parser.spec.intent_names)
        unseen = [item for item in items if normalise_utterance(item.text) not in seen]
        report = evaluate(parser, unseen)
        results[str(path)] = report
        if not args.json:
            print(f"== {path} (domain {parser.spec.name})")
            if args.unseen:
                print(f"left out {len(items) - len(unseen)} of {len(items)} lines that our templates also say")
            print(format_report(report))
            for row in report.errors[: args.errors]:
                print("  x", json.dumps(row, ensure_ascii=False))
    if args.json:
        print(json.dumps({k: r.as_dict() for k, r in results.items()}, indent=2, ensure_ascii=False))
    return 0


def _template_sentences(spec) -> set[str]:  # noqa: ANN001
    from tinychat.data.synth import CorpusBuilder
    from tinychat.domain.builtin import builtin_spec

    negatives = [builtin_spec(name) for name in BUILTIN_DOMAINS if name != spec.name]
    return CorpusBuilder(spec, negatives).sentences(UNSEEN_SAMPLE)


def _spec_and_negatives(args: argparse.Namespace):  # noqa: ANN202
    """The spec to train for, and the built-in domains whose requests it must refuse."""
    from tinychat.domain.builtin import builtin_spec
    from tinychat.domain.spec import load_spec

    spec = builtin_spec(args.domain) if args.domain else load_spec(args.spec)
    return spec, [builtin_spec(name) for name in BUILTIN_DOMAINS if name != spec.name]


def _corpus(args: argparse.Namespace) -> int:
    from tinychat.data.synth import CorpusBuilder

    spec, negatives = _spec_and_negatives(args)
    builder = CorpusBuilder(spec, negatives)
    if args.lang and args.lang not in spec.languages:
        raise ValueError(f"domain {spec.name!r} has no language {args.lang!r} (it has {spec.languages})")
    written = 0
    for example in builder.build(args.count * (1 if not args.lang else len(spec.languages)) * 2, args.seed, args.split):
        if written == args.count:
            break
        if args.lang and example.lang != args.lang:
            continue
        row = {"text": example.text, "intent": example.intent, "slots": example.values, "lang": example.lang,
               "target": example.target}
        print(json.dumps(row, ensure_ascii=False))
        written += 1
    return 0


def _train(args: argparse.Namespace) -> int:
    import yaml

    from tinychat.model.train import MICRO, TrainConfig, train

    spec, negatives = _spec_and_negatives(args)
    settings = MICRO.model_dump() if args.micro else {}
    if args.config:
        settings.update(yaml.safe_load(args.config.read_text(encoding="utf-8")) or {})
    for key in ("seed", "steps"):
        if getattr(args, key) is not None:
            settings[key] = getattr(args, key)
    if args.all_templates:
        settings["hold_out_templates"] = False
    config = TrainConfig.model_validate(settings)
    command = "tinychat " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    train(spec, args.out, config, negatives, command=command)
    return 0


def _compile(args: argparse.Namespace) -> int:
    from tinychat.compiler.build import compile_bundle, default_bundle_dir
    from tinychat.compiler.targets import resolve_target
    from tinychat.compiler.tuning import RPCTracker, Tuning, default_database
    from tinychat.runtime.parser import resolve_model_dir

    target = resolve_target(args.target)
    quant = args.quant or target.default_quant
    model_dir = resolve_model_dir(args.domain or args.model)
    domain = args.domain or model_dir.name
    out = args.out or default_bundle_dir(domain, target.name, quant)
    tuning = Tuning(database=args.tuning_db or default_database(target.name), trials=args.tune,
                    cores=target.threads, rpc=RPCTracker.parse(args.rpc) if args.rpc else None)
    compile_bundle(model_dir, target, quant, out, tuning=tuning,
                   progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(out)
    return 0


def _verify(args: argparse.Namespace) -> int:
    from tinychat.runtime.bundle import verify_bundle

    if args.emulate:
        from tinychat.compiler.emulation import verify_emulated

        lines = verify_emulated(args.bundle, progress=lambda line: print(line, file=sys.stderr, flush=True))
    else:
        lines = verify_bundle(args.bundle)
    for line in lines:
        print(f"ok  {line}")
    return 0


def _deploy(args: argparse.Namespace) -> int:
    from tinychat.runtime.deploy import deploy, rollback, slot_status

    if (args.bundle is not None) == (args.rollback or args.status):
        raise ValueError("give a bundle to install, or --rollback, or --status")
    if args.rollback:
        rollback(args.root, args.target, progress=lambda line: print(line, file=sys.stderr, flush=True))
    elif args.bundle is not None:
        deploy(args.bundle, args.root, args.target, progress=lambda line: print(line, file=sys.stderr, flush=True))
    statuses = slot_status(args.root)
    if args.json:
        print(json.dumps([s.as_dict() for s in statuses], indent=2))
    else:
        for s in statuses:
            held = s.manifest
            what = f"{held.domain} {held.target_name} {held.quant} model {held.model_hash[:16]}" if held else ""
            print(f"slot {s.name}  {'active' if s.active else '      '}  {s.state:<7}  {what}".rstrip())
            if s.problem:
                print(f"        {s.problem}")
    return 0 if any(s.active and s.state == "valid" for s in statuses) else 1


def _targets(args: argparse.Namespace) -> int:
    from tinychat.compiler.targets import list_targets

    targets = list_targets()
    if args.json:
        rows = [{"name": t.name, "kind": t.kind, "description": t.description, "default_quant": t.default_quant,
                 "proof": t.proof, "tvm_target": t.tvm_target} for t in targets]
        print(json.dumps(rows, indent=2))
    else:
        for t in targets:
            print(f"{t.name:<14} {t.kind:<6} {t.default_quant:<6} {t.description}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from tinychat.bench.runner import benchmark, format_table

    results = benchmark(args.domain, args.target, args.threads, args.repetitions,
                        progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(json.dumps(results, indent=2) if args.json else format_table(results))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from tinychat.bridges.serve import ServeOptions, serve

    return serve(ServeOptions.model_validate(vars(args)))


if __name__ == "__main__":
    sys.exit(main())
