#!/usr/bin/env bash
# Validates AWS CLI input JSON with the AWS CLI itself.
#
#   tests/validators/validate-aws.sh FILE...
#
# Each FILE is the --cli-input-json of one AWS CLI command, or a JSON array of such inputs. The
# command is told by the keys: AlarmName -> `aws cloudwatch put-metric-alarm`;
# ScheduledActionName -> `aws autoscaling put-scheduled-update-group-action`; PolicyType,
# TargetTrackingConfiguration, StepAdjustments, PredictiveScalingConfiguration or
# ScalingAdjustment -> `aws autoscaling put-scaling-policy`.
#
# Each input is sent by the real CLI (Debian's awscli 2, /usr/bin/aws; AWS_CLI overrides) to
# an endpoint on loopback where nothing listens (127.0.0.1:9), with dummy credentials and no
# retries. The CLI validates the parameters against its botocore model before it connects, so:
#   "Could not connect to the endpoint URL"  -> the parameters passed that validation: valid;
#   "Parameter validation failed" (an invalid type, a missing required or an unknown parameter),
#   or any other error                       -> invalid.
# botocore leaves some constraints of the model to the service: enum values and maximum
# lengths and numbers. aws_input.py checks those against the same model, so a valid input is
# one the CLI would send and the service would not reject for its shape.
#
# Prints "FILE: document N (COMMAND NAME): valid" per input, or "invalid" and the reasons.
# Exits 1 if any input is invalid, 2 on bad usage or when the CLI is missing.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
aws=${AWS_CLI:-/usr/bin/aws}
python=${AWS_PYTHON:-/usr/bin/python3}
if (($# == 0)); then
  echo "usage: $0 FILE..." >&2
  exit 2
fi
if [[ ! -x "$aws" ]]; then
  echo "validate-aws: $aws not found; scripts/bootstrap installs Debian's awscli" >&2
  exit 2
fi

# Nothing from the user's AWS set-up may take part: no profile, no config, no real credentials.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep '^AWS_')
export AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=us-east-1 \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER="" \
  AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard AWS_EC2_METADATA_DISABLED=true
endpoint=http://127.0.0.1:9

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

all_valid=true
files=0
for file in "$@"; do
  dir="$tmp/$((++files))"
  mkdir "$dir"
  if ! listing=$("$python" "$here/aws_input.py" split "$file" "$dir" 2>"$dir/err"); then
    echo "$file: invalid: $(cat "$dir/err")"
    all_valid=false
    continue
  fi
  while IFS=$'\t' read -r n service operation name; do
    if [[ "$service" == "-" ]]; then
      echo "$file: document $n: invalid: $name"
      all_valid=false
      continue
    fi
    label="$file: document $n ($operation $name)"
    out=$("$aws" "$service" "$operation" --cli-input-json "file://$dir/$n.json" \
      --endpoint-url "$endpoint" --cli-connect-timeout 2 --cli-read-timeout 2 --no-cli-pager \
      --output json 2>&1)
    rc=$?
    if ((rc == 0)) || ! grep -q 'Could not connect to the endpoint URL' <<<"$out"; then
      # rc 0 would mean something answered on the closed port: no verdict can be trusted then.
      echo "$label: invalid (aws exit $rc)"
      grep -v '^$' <<<"$out" | sed 's/^/  /'
      all_valid=false
      continue
    fi
    if ! problems=$("$python" "$here/aws_input.py" check "$service" "$operation" "$dir/$n.json" 2>&1); then
      echo "$label: invalid against the CLI's model of $service $operation"
      sed 's/^/  /' <<<"$problems"
      all_valid=false
      continue
    fi
    echo "$label: valid"
  done <<<"$listing"
done
$all_valid
