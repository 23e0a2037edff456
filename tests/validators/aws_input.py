"""Helper of validate-aws.sh; runs under the Python that Debian's awscli runs under (/usr/bin/python3).

  aws_input.py split FILE OUTDIR
      Reads FILE (one AWS CLI input object, or a JSON array of them), writes each object to
      OUTDIR/N.json and prints one line per object: N<TAB>SERVICE<TAB>OPERATION<TAB>NAME, where
      SERVICE OPERATION is the `aws` command the object is the --cli-input-json of, or prints
      N<TAB>-<TAB>-<TAB>REASON when no command fits. Exit 1 if FILE is no such JSON at all.

  aws_input.py check SERVICE OPERATION FILE
      The constraints of the CLI's own botocore model that botocore's parameter validation does
      not check on the client (the service does): enum values, maximum string and list lengths,
      maximum numbers. Prints one line per violation; exit 1 if there is any.
"""
import json
import os
import sys

# Which command an input is for, by its keys (the first match wins).
COMMANDS = [
    ({"AlarmName"}, "cloudwatch", "put-metric-alarm"),
    ({"ScheduledActionName"}, "autoscaling", "put-scheduled-update-group-action"),
    ({"PolicyType", "TargetTrackingConfiguration", "StepAdjustments",
      "PredictiveScalingConfiguration", "ScalingAdjustment"}, "autoscaling", "put-scaling-policy"),
]
NAME_KEYS = ["AlarmName", "ScheduledActionName", "PolicyName"]


def split(path, outdir):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        print(f"cannot read: {e.strerror}", file=sys.stderr)
        return 1
    except ValueError as e:
        print(f"not JSON: {e}", file=sys.stderr)
        return 1
    items = data if isinstance(data, list) else [data]
    if not items:
        print("an empty array: no AWS CLI input in it", file=sys.stderr)
        return 1
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            print(f"{n}\t-\t-\tnot a JSON object")
            continue
        command = next(((svc, op) for keys, svc, op in COMMANDS if keys & item.keys()), None)
        if command is None:
            print(f"{n}\t-\t-\tno key tells which command this is the input of "
                  "(AlarmName, ScheduledActionName, PolicyType, TargetTrackingConfiguration, "
                  "StepAdjustments, PredictiveScalingConfiguration, ScalingAdjustment)")
            continue
        name = next((str(item[k]) for k in NAME_KEYS if k in item), "(no name)")
        with open(os.path.join(outdir, f"{n}.json"), "w", encoding="utf-8") as f:
            json.dump(item, f)
        print(f"{n}\t{command[0]}\t{command[1]}\t{name}")
    return 0


def check(service, operation, path):
    # Debian's awscli bundles its own botocore, with the service models the CLI validates against.
    from awscli.botocore import xform_name
    from awscli.botocore.session import get_session

    model = get_session().get_service_model(service)
    op_name = next(o for o in model.operation_names if xform_name(o, "-") == operation)
    shape = model.operation_model(op_name).input_shape
    with open(path, encoding="utf-8") as f:
        params = json.load(f)
    problems = []
    _walk(params, shape, "", problems)
    for p in problems:
        print(p)
    return 1 if problems else 0


def _walk(value, shape, name, problems):
    where = name or "(input)"
    meta = shape.metadata
    if shape.type_name == "structure" and isinstance(value, dict):
        for key, member in shape.members.items():
            if key in value:
                _walk(value[key], member, f"{name}.{key}" if name else key, problems)
    elif shape.type_name == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{where}: {len(value)} items, at most {meta['max']} allowed")
        for i, item in enumerate(value):
            _walk(item, shape.member, f"{name}[{i}]", problems)
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            _walk(item, shape.value, f"{name}.{key}", problems)
    elif shape.type_name == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            problems.append(f"{where}: {value!r} is not one of {', '.join(shape.enum)}")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{where}: {len(value)} characters, at most {meta['max']} allowed")
    elif shape.type_name in ("integer", "long", "double", "float") and \
            isinstance(value, (int, float)) and not isinstance(value, bool):
        if "max" in meta and value > meta["max"]:
            problems.append(f"{where}: {value} is more than the maximum {meta['max']}")


def main(argv):
    if len(argv) == 4 and argv[1] == "split":
        return split(argv[2], argv[3])
    if len(argv) == 5 and argv[1] == "check":
        return check(argv[2], argv[3], argv[4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
