#!/usr/bin/env python3
"""Run the SAM transform `sam deploy` runs (aws-sam-translator) on a template.

    python3 infra/samcheck/transform.py [template.yaml] [-o transformed.json] [--region us-east-1]

Prints the transformed CloudFormation template as JSON (to -o when given)
and exits 0, or prints every error the translator reports and exits 1.
Nothing is sent to AWS: the managed-policy map is empty (the template names
no managed policy; SAM adds the Lambda basic execution role by ARN itself),
CodeUri "." is replaced by a placeholder S3 location as `sam package` would,
and the region and partition come from --region.

The Go test in infra/templatecheck runs this script and compares every
function's IAM policies with the calls its code makes.
"""

import argparse
import json
import os
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("template", nargs="?", default="template.yaml")
    ap.add_argument("-o", "--output", help="write the transformed template here (default stdout)")
    ap.add_argument("--region", default="us-east-1")
    args = ap.parse_args()

    # The translator derives the partition from the region it reads here.
    os.environ["AWS_DEFAULT_REGION"] = args.region
    os.environ.setdefault("AWS_REGION", args.region)

    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator
    from samtranslator.yaml_helper import yaml_parse

    with open(args.template, encoding="utf-8") as f:
        template = yaml_parse(f.read())

    for rid, res in (template.get("Resources") or {}).items():
        props = res.get("Properties") or {}
        if res.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            if not props["CodeUri"].startswith("s3://"):
                props["CodeUri"] = f"s3://samcheck-placeholder/{rid}.zip"

    try:
        out = Translator(managed_policy_map={}, sam_parser=Parser()).translate(
            sam_template=template, parameter_values={}, passthrough_metadata=True
        )
    except InvalidDocumentException as e:
        for cause in e.causes:
            print(f"{args.template}: SAM transform: {cause.message}", file=sys.stderr)
        return 1
    except Exception as e:  # the translator raises plain errors for some malformed input
        print(f"{args.template}: SAM transform: {e}", file=sys.stderr)
        return 1

    text = json.dumps(out, indent=2, sort_keys=True, default=str) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
