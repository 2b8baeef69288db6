#!/bin/sh
# Creates the namespace Cordon uses (7-day retention, like the dev stack)
# and registers Cordon's search attributes. The list must match
# workflows.SearchAttributes (names and types); deploy/compose_test.go
# checks it.
set -eu
ns="${TEMPORAL_NAMESPACE:-default}"

until temporal operator cluster health; do sleep 2; done
temporal operator namespace describe -n "$ns" >/dev/null 2>&1 ||
  temporal operator namespace create -n "$ns" --retention 7d
for sa in CordonPlaybook=Keyword CordonAlertID=Keyword CordonTarget=KeywordList CordonDryRun=Bool CordonState=Keyword CordonConnection=Keyword; do
  name="${sa%%=*}"
  temporal operator search-attribute list -n "$ns" | grep -qw "$name" ||
    temporal operator search-attribute create -n "$ns" --name "$name" --type "${sa#*=}"
done
echo "namespace $ns ready"
