package templatecheck

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/stackdef"
)

// functionUses lists, per function, the adapter methods its code reaches
// from functions/<name>/main.go (through shared/app, the httpapi handlers
// and the domain services), with the queue a sqsqueue method is bound to
// and the function (logical id) a lambdainvoke method invokes.
// The AWS calls behind each method are not listed here: they are read from
// the adapters' source (scanAdapters), the table a dynamo store uses from its
// constructor (storeTables), and the SSM parameters from the function's
// *_PARAM environment (shared/app reads each at cold start or per request).
// TestFunctionUsesExist checks every entry names a method that exists and
// calls AWS.
//
// How the entries were found: api serves httpapi.Server (connection
// authorize/status/disconnect, postings list/reload, links, exports);
// webhook runs export.Intake; oauth runs connection.Service.Callback;
// exporter runs export.Exporter; refresher runs posting.Refresher. Every
// function that talks to Lever goes through connection.Vault (Get,
// AcquireLease, Update; Revoke removes links) and the token buckets
// (Buckets.Update).
var functionUses = map[string][]string{
	"api": {
		// connection.Service: Authorize puts a state; Status, Disconnect
		"dynamo.States.Put", "dynamo.Connections.Get", "dynamo.Connections.Update", "dynamo.Links.DeleteAll",
		// the vault (postings reload talks to Lever)
		"dynamo.Connections.AcquireLease", "dynamo.Buckets.Update",
		// postings: list, reload (posting.Refresher.Refresh)
		"dynamo.Postings.List", "dynamo.Postings.RefreshedAt", "dynamo.Postings.Get", "dynamo.Postings.Apply",
		"dynamo.Postings.AcquireRefresh", "dynamo.Postings.ReleaseRefresh", "dynamo.Links.SetFlags",
		// links
		"dynamo.Links.Get", "dynamo.Links.Put", "dynamo.Links.Delete", "dynamo.Links.List",
		// exports: status (with the candidate's activities), request and
		// retry (record queued), failed list, activities list
		"dynamo.Exports.Get", "dynamo.Exports.List", "sqsqueue.Queue.Enqueue ExportQueue",
		// status and the Export button read the marker, the connection and the link in one BatchGetItem
		"dynamo.Facts.Facts",
		// the events feed: list, redeliver (outbox.Feed; delivery is the dispatcher's)
		"dynamo.Outbox.List", "dynamo.Outbox.Modify",
		"dynamo.Exports.Queue", "dynamo.Exports.CandidateActivities", "dynamo.Exports.ListActivities",
		// erasure: DELETE /candidates/{candidateId} (erasure.Service.Erase)
		"dynamo.Exports.CandidateMarkers", "dynamo.Exports.UpdateMarker", "dynamo.Exports.DeleteMarker",
		"dynamo.Exports.ForgetContact", "s3store.Payloads.DeletePrefix PayloadBucket",
		// ... and forgets its opportunity in Lever sync-back
		"dynamo.LeverSync.ForgetOpportunity",
		// company settings: GET/PUT /settings; the export decision reads them
		"dynamo.Settings.Get", "dynamo.Settings.Update",
		// Lever sync-back: disconnect removes the webhooks; export status
		// shows the last known Lever state
		"dynamo.LeverSync.GetRecord", "dynamo.LeverSync.DeleteRecord", "dynamo.LeverSync.Get",
		// export.SendJob: large jobs (claim check)
		"s3store.Payloads.Put PayloadBucket",
	},
	"webhook": {
		"dynamo.Events.MarkSeen", "dynamo.Events.Forget", "dynamo.Connections.Get",
		// export.Intake: the connection with the link (or a push's marker)
		// in one BatchGetItem; the queued write carries the event id
		"dynamo.Facts.Facts", "dynamo.Exports.Queue", "dynamo.Exports.ForgetEvent",
		"dynamo.Exports.Get", "dynamo.Exports.Skip", "dynamo.Links.Get", "sqsqueue.Queue.Enqueue ExportQueue",
		"dynamo.Settings.Get",
		// Lever webhook deliveries (leversync.Core.Receive) read the
		// opportunity from Lever through the vault and the buckets
		"dynamo.LeverSync.GetRecord", "dynamo.LeverSync.ModifyRecord", "dynamo.LeverSync.Get", "dynamo.LeverSync.Modify",
		"dynamo.Connections.Update", "dynamo.Connections.AcquireLease", "dynamo.Buckets.Update",
		"s3store.Payloads.Put PayloadBucket",
	},
	"oauth": {
		"dynamo.States.Consume", "dynamo.Connections.Update",
		// the first postings refresh: a refresh request (posting.Refresher.EnqueueRefresh)
		"lambdainvoke.Function.InvokeAsync RefresherFunction",
	},
	"exporter": {
		"dynamo.Connections.Get", "dynamo.Connections.Update", "dynamo.Connections.AcquireLease", "dynamo.Buckets.Update",
		"dynamo.Links.Get", "dynamo.Links.DeleteAll",
		// an export job's connection and link in one BatchGetItem
		"dynamo.Facts.Facts",
		"dynamo.Exports.Get", "dynamo.Exports.Claim", "dynamo.Exports.ClaimContaining", "dynamo.Exports.Confirm", "dynamo.Exports.Release",
		"dynamo.Exports.Finish", "dynamo.Exports.Skip", "dynamo.Exports.Record",
		// the history's pending activity markers (recordInHistory)
		"dynamo.Exports.CandidateActivities",
		"dynamo.Exports.ContactByLinkedIn", "dynamo.Exports.PutLinkedIn",
		"dynamo.Settings.Get",
		// lambdahandler.Exports hands jobs back until their company's budget has room
		"sqsqueue.Queue.ChangeVisibility ExportQueue",
		// export.ReadJob: large jobs (claim check)
		"s3store.Payloads.Get PayloadBucket",
	},
	"refresher": {
		// the fan-out's refresh requests: asynchronous invocations of itself
		"dynamo.Connections.ListActive", "lambdainvoke.Function.InvokeAsync RefresherFunction",
		"dynamo.Connections.Get", "dynamo.Connections.Update", "dynamo.Connections.AcquireLease", "dynamo.Buckets.Update",
		"dynamo.Postings.List", "dynamo.Postings.Apply", "dynamo.Postings.AcquireRefresh", "dynamo.Postings.ReleaseRefresh",
		"dynamo.Links.List", "dynamo.Links.SetFlags", "dynamo.Links.DeleteAll",
		// Lever sync-back (leversync.Syncer): webhooks, poll
		"dynamo.LeverSync.GetRecord", "dynamo.LeverSync.ModifyRecord", "dynamo.LeverSync.Get", "dynamo.LeverSync.Modify",
	},
	"dispatcher": {
		// following exported opportunities (leversync.Core.Track)
		"dynamo.LeverSync.Track",
		// candidate.deleted in Lever: erasure.Service.Anonymise
		"dynamo.Exports.CandidateMarkers", "dynamo.Exports.UpdateMarker", "dynamo.Exports.ForgetContact",
		// outbox.Dispatcher: record (Append), deliver (Pending, Modify), sweep
		"dynamo.Outbox.Append", "dynamo.Outbox.Pending", "dynamo.Outbox.PendingCompanies", "dynamo.Outbox.Modify",
	},
}

// streamTriggerActions are what Lambda's event source mapping needs on the
// DynamoDB stream it reads (Lambda developer guide, "Execution role
// permissions" for DynamoDB Streams).
var streamTriggerActions = []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}

// sqsTriggerActions are what Lambda's event source mapping needs on the
// queue it polls (Lambda developer guide, "Execution role permissions" for
// Amazon SQS).
var sqsTriggerActions = []string{"sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"}

// logActions are what a function needs to write to its own log group.
var logActions = []string{"logs:CreateLogStream", "logs:PutLogEvents"}

const ssmARNPrefix = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"

// lambdaARNPrefix starts a function's ARN spelt out by its name (a
// function granted to invoke itself cannot !GetAtt its own Arn).
const lambdaARNPrefix = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"

// grant is one (action, resource) pair; resource is a logical id
// ("ConnectionsTable", "ExportsTable/index"), an SSM parameter name as the
// template spells it ("/leverlink/${Stage}/api-keys"), a function by its
// name ("function:leverlink-${Stage}-refresher") or, for anything else, the
// resource as JSON.
type grant struct{ Action, Resource string }

func (g grant) String() string { return g.Action + " on " + g.Resource }

// resourceKey normalises a statement's resource (see grant).
func resourceKey(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	m := asMap(v)
	if ga := asSlice(m["Fn::GetAtt"]); len(ga) == 2 && ga[1] == "Arn" {
		return fmt.Sprint(ga[0])
	}
	if sub, ok := m["Fn::Sub"].(string); ok {
		if rest, ok := strings.CutPrefix(sub, ssmARNPrefix); ok {
			return rest
		}
		if rest, ok := strings.CutPrefix(sub, lambdaARNPrefix); ok {
			return "function:" + rest
		}
		if strings.HasPrefix(sub, "${") {
			if id, rest, ok := strings.Cut(strings.TrimPrefix(sub, "${"), ".Arn}"); ok && strings.HasPrefix(rest, "/index/") {
				return id + "/index"
			} else if ok && rest == "/*" {
				return id + "/*" // a bucket's objects
			}
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// grantedTo returns what the role of the transformed template's function
// fnID allows, and problems with the role itself (statements that are not
// plain Allow, managed policies other than the tracing one).
func grantedTo(tr map[string]any, fnID string) (map[grant]bool, []string) {
	res := asMap(tr["Resources"])
	var problems []string
	role := asSlice(asMap(asMap(asMap(res[fnID])["Properties"])["Role"])["Fn::GetAtt"])
	if len(role) != 2 {
		return nil, []string{fnID + ": Role is not !GetAtt <Role>.Arn of a role in this template"}
	}
	roleID := fmt.Sprint(role[0])
	rp := asMap(asMap(res[roleID])["Properties"])
	for _, arn := range asSlice(rp["ManagedPolicyArns"]) {
		// Only X-Ray, and only when the Tracing parameter turns it on.
		iff := asSlice(asMap(arn)["Fn::If"])
		if len(iff) == 3 && iff[0] == "TracingEnabled" && asMap(iff[2])["Ref"] == "AWS::NoValue" &&
			strings.HasSuffix(fmt.Sprint(asMap(iff[1])["Fn::Sub"]), ":iam::aws:policy/AWSXrayWriteOnlyAccess") {
			continue
		}
		b, _ := json.Marshal(arn)
		problems = append(problems, fmt.Sprintf("%s: managed policy %s grants actions no code of this function calls", roleID, b))
	}
	docs := []any{}
	for _, p := range asSlice(rp["Policies"]) {
		docs = append(docs, asMap(p)["PolicyDocument"])
	}
	// Policies attached to the role from outside it.
	for id, r := range res {
		rm := asMap(r)
		if rm["Type"] != "AWS::IAM::Policy" && rm["Type"] != "AWS::IAM::ManagedPolicy" {
			continue
		}
		for _, ref := range asSlice(asMap(rm["Properties"])["Roles"]) {
			if asMap(ref)["Ref"] == roleID {
				docs = append(docs, asMap(asMap(rm["Properties"])["PolicyDocument"]))
				_ = id
			}
		}
	}
	got := map[grant]bool{}
	for _, d := range docs {
		for _, st := range asSlice(asMap(d)["Statement"]) {
			sm := asMap(st)
			if sm["Effect"] != "Allow" || sm["NotAction"] != nil || sm["NotResource"] != nil {
				b, _ := json.Marshal(sm)
				problems = append(problems, fmt.Sprintf("%s: statement is not a plain Allow: %s", roleID, b))
				continue
			}
			actions, resources := sm["Action"], sm["Resource"]
			if s, ok := actions.(string); ok {
				actions = []any{s}
			}
			if _, ok := resources.([]any); !ok {
				resources = []any{resources}
			}
			for _, a := range asSlice(actions) {
				for _, r := range asSlice(resources) {
					got[grant{fmt.Sprint(a), resourceKey(r)}] = true
				}
			}
		}
	}
	return got, problems
}

// expectedFor returns what function fn's code needs: the AWS calls of the
// adapter methods it uses (on the table or queue each is bound to), its
// secrets, its SQS trigger and its log group.
func expectedFor(st stackdef.Function, tr map[string]any, uses []string, calls adapterCalls, tables map[string][]string) (map[grant]bool, []string) {
	want := map[grant]bool{}
	var problems []string
	for _, u := range uses {
		method, bound, _ := strings.Cut(u, " ")
		acts, ok := calls[method]
		if !ok || len(acts) == 0 {
			problems = append(problems, fmt.Sprintf("%s: functionUses names %s, which the adapters do not declare or which calls no AWS operation", st.LogicalID, method))
			continue
		}
		bounds := []string{bound}
		if strings.HasPrefix(method, "dynamo.") {
			typ := strings.Split(method, ".")[1]
			fields, ok := tables[typ]
			if !ok || len(fields) == 0 {
				problems = append(problems, fmt.Sprintf("%s: no table for dynamo.%s", st.LogicalID, typ))
				continue
			}
			bounds = bounds[:0]
			for _, f := range fields { // a store spanning several tables calls each
				bounds = append(bounds, f+"Table")
			}
		}
		if strings.HasPrefix(method, "lambdainvoke.") {
			name, ok := asMap(asMap(asMap(asMap(tr["Resources"])[bound])["Properties"])["FunctionName"])["Fn::Sub"].(string)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: %s invokes %s, whose FunctionName is not a !Sub of its name", st.LogicalID, method, bound))
				continue
			}
			bounds = []string{"function:" + name}
		}
		for _, b := range bounds {
			for _, a := range acts {
				res := b
				if base, ok := strings.CutSuffix(a, onIndex); ok {
					a, res = base, b+"/index"
				}
				if strings.HasPrefix(method, "s3store.") && a != "s3:ListBucket" {
					res += "/*" // object calls are granted on the bucket's objects; listing on the bucket
				}
				want[grant{a, res}] = true
			}
		}
	}
	for name, v := range st.Environment {
		if !strings.HasSuffix(name, "_PARAM") {
			continue
		}
		if sub, ok := asMap(v)["Fn::Sub"].(string); ok {
			want[grant{"ssm:GetParameter", sub}] = true
		} else {
			problems = append(problems, fmt.Sprintf("%s: %s is not a !Sub of the parameter name", st.LogicalID, name))
		}
	}
	res := asMap(tr["Resources"])
	fn := asMap(asMap(res[st.LogicalID])["Properties"])
	if lg, ok := asMap(asMap(fn["LoggingConfig"])["LogGroup"])["Ref"].(string); ok {
		for _, a := range logActions {
			want[grant{a, lg}] = true
		}
	} else {
		problems = append(problems, st.LogicalID+": LoggingConfig.LogGroup is not a !Ref to a log group of the template")
	}
	for _, r := range res {
		rm := asMap(r)
		p := asMap(rm["Properties"])
		if rm["Type"] == "AWS::Lambda::EventInvokeConfig" && asMap(p["FunctionName"])["Ref"] == st.LogicalID {
			// Lambda sends an asynchronous invocation that failed for good
			// to the on-failure destination with the function's role.
			if d := asMap(asMap(p["DestinationConfig"])["OnFailure"])["Destination"]; d != nil {
				if ga := asSlice(asMap(d)["Fn::GetAtt"]); len(ga) == 2 && asMap(res[fmt.Sprint(ga[0])])["Type"] == "AWS::SQS::Queue" {
					want[grant{"sqs:SendMessage", resourceKey(d)}] = true
				} else {
					problems = append(problems, st.LogicalID+": the on-failure destination is not !GetAtt <a queue of the template>.Arn")
				}
			}
			continue
		}
		if rm["Type"] != "AWS::Lambda::EventSourceMapping" || asMap(p["FunctionName"])["Ref"] != st.LogicalID {
			continue
		}
		q := resourceKey(p["EventSourceArn"])
		acts := sqsTriggerActions
		if ga := asSlice(asMap(p["EventSourceArn"])["Fn::GetAtt"]); len(ga) == 2 && ga[1] == "StreamArn" {
			acts = streamTriggerActions
		}
		for _, a := range acts {
			want[grant{a, q}] = true
		}
	}
	return want, problems
}

// policyProblems compares, for every function, the transformed template's
// grants with what the code needs: one line per grant no code calls
// (dangling), per call the role does not allow (missing), and per role
// problem.
func policyProblems(tr map[string]any, st stackdef.Stack, uses map[string][]string, calls adapterCalls, tables map[string][]string) []string {
	var out []string
	for _, f := range st.Functions {
		u, ok := uses[f.Dir]
		if !ok {
			out = append(out, fmt.Sprintf("%s: functionUses has no entry for %q", f.LogicalID, f.Dir))
			continue
		}
		want, p1 := expectedFor(f, tr, u, calls, tables)
		got, p2 := grantedTo(tr, f.LogicalID)
		out = append(out, p1...)
		out = append(out, p2...)
		for g := range got {
			if !want[g] {
				out = append(out, fmt.Sprintf("%s grants %s, which no code of %s calls", f.LogicalID, g, f.Dir))
			}
		}
		for g := range want {
			if !got[g] {
				out = append(out, fmt.Sprintf("%s's code calls %s, which its role does not allow", f.LogicalID, g))
			}
		}
	}
	sort.Strings(out)
	return out
}

// transform runs infra/samcheck/transform.py (the SAM transform `sam
// deploy` runs) on template data and returns the transformed template.
func transform(t *testing.T, data []byte) (map[string]any, error) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the SAM transform needs python3 and aws-sam-translator")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatal("python3 is required for the SAM transform (and aws-sam-translator: pip install aws-sam-translator==1.110.0)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "transformed.json")
	cmd := exec.Command("python3", filepath.Join(root(t), "infra", "samcheck", "transform.py"), in, "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%w: %s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var tr map[string]any
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	return tr, nil
}

func checkPolicies(t *testing.T, data []byte) []string {
	t.Helper()
	tr, err := transform(t, data)
	if err != nil {
		t.Fatalf("SAM transform: %v", err)
	}
	st, err := stackdef.Parse(data, "check")
	if err != nil {
		t.Fatal(err)
	}
	return policyProblems(tr, st, functionUses, scanAdapters(t, root(t)), storeTables(t, root(t)))
}

func TestPoliciesMatchTheCode(t *testing.T) {
	if bad := checkPolicies(t, readTemplate(t)); len(bad) > 0 {
		t.Errorf("the transformed template's policies and the code's AWS calls disagree:\n  %s", strings.Join(bad, "\n  "))
	}
}

// TestPolicyDriftIsCaught breaks the template's policies one way per case
// and checks the policy test names exactly the break.
func TestPolicyDriftIsCaught(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           []string
	}{
		{
			"dangling action",
			"# consume the single-use OAuth state\n                Action: dynamodb:DeleteItem",
			"# consume the single-use OAuth state\n                Action: [dynamodb:DeleteItem, dynamodb:Scan]",
			[]string{"OAuthFunction grants dynamodb:Scan on EventsTable, which no code of oauth calls"},
		},
		{
			"a table the function never touches",
			"# consume the single-use OAuth state\n                Action: dynamodb:DeleteItem\n                Resource: !GetAtt EventsTable.Arn",
			"# consume the single-use OAuth state\n                Action: dynamodb:DeleteItem\n                Resource: [!GetAtt EventsTable.Arn, !GetAtt LinksTable.Arn]",
			[]string{"OAuthFunction grants dynamodb:DeleteItem on LinksTable, which no code of oauth calls"},
		},
		{
			"missing action",
			"# consume the single-use OAuth state\n                Action: dynamodb:DeleteItem",
			"# consume the single-use OAuth state\n                Action: dynamodb:GetItem",
			[]string{
				"OAuthFunction grants dynamodb:GetItem on EventsTable, which no code of oauth calls",
				"OAuthFunction's code calls dynamodb:DeleteItem on EventsTable, which its role does not allow",
			},
		},
		{
			"SQS trigger on every queue",
			"# the SQS trigger, this queue only\n                Action: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes]\n                Resource: !GetAtt ExportQueue.Arn",
			"# the SQS trigger, this queue only\n                Action: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes]\n                Resource: \"*\"",
			[]string{
				"ExporterFunction grants sqs:DeleteMessage on *, which no code of exporter calls",
				"ExporterFunction grants sqs:GetQueueAttributes on *, which no code of exporter calls",
				"ExporterFunction grants sqs:ReceiveMessage on *, which no code of exporter calls",
				"ExporterFunction's code calls sqs:DeleteMessage on ExportQueue, which its role does not allow",
				"ExporterFunction's code calls sqs:GetQueueAttributes on ExportQueue, which its role does not allow",
				"ExporterFunction's code calls sqs:ReceiveMessage on ExportQueue, which its role does not allow",
			},
		},
		{
			"a store spanning several tables, one of them not granted",
			"# an event's connection with its link (a push's, with the marker) in one read\n                Action: dynamodb:BatchGetItem\n                Resource: [!GetAtt ConnectionsTable.Arn, !GetAtt LinksTable.Arn, !GetAtt ExportsTable.Arn]",
			"# an event's connection with its link (a push's, with the marker) in one read\n                Action: dynamodb:BatchGetItem\n                Resource: [!GetAtt ConnectionsTable.Arn, !GetAtt ExportsTable.Arn]",
			[]string{"WebhookFunction's code calls dynamodb:BatchGetItem on LinksTable, which its role does not allow"},
		},
		{
			"invoke every function",
			"# the first postings refresh: an asynchronous invocation of the refresher\n                Action: lambda:InvokeFunction\n                Resource: !Sub arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:leverlink-${Stage}-refresher",
			"# the first postings refresh: an asynchronous invocation of the refresher\n                Action: lambda:InvokeFunction\n                Resource: \"*\"",
			[]string{
				"OAuthFunction grants lambda:InvokeFunction on *, which no code of oauth calls",
				"OAuthFunction's code calls lambda:InvokeFunction on function:leverlink-${Stage}-refresher, which its role does not allow",
			},
		},
		{
			"on-failure destination not granted",
			"# Lambda sends a request that failed every retry here (on-failure destination)\n                Action: sqs:SendMessage\n                Resource: !GetAtt RefreshDLQ.Arn",
			"# Lambda sends a request that failed every retry here (on-failure destination)\n                Action: sqs:SendMessage\n                Resource: !GetAtt ExportDLQ.Arn",
			[]string{
				"RefresherFunction grants sqs:SendMessage on ExportDLQ, which no code of refresher calls",
				"RefresherFunction's code calls sqs:SendMessage on RefreshDLQ, which its role does not allow",
			},
		},
		{
			"X-Ray always on",
			"      ManagedPolicyArns:\n        - !If [TracingEnabled, !Sub \"arn:${AWS::Partition}:iam::aws:policy/AWSXrayWriteOnlyAccess\", !Ref \"AWS::NoValue\"]\n      Policies:\n        - PolicyName: leverlink-webhook",
			"      ManagedPolicyArns:\n        - !Sub \"arn:${AWS::Partition}:iam::aws:policy/AWSXrayWriteOnlyAccess\"\n      Policies:\n        - PolicyName: leverlink-webhook",
			[]string{`WebhookFunctionRole: managed policy {"Fn::Sub":"arn:${AWS::Partition}:iam::aws:policy/AWSXrayWriteOnlyAccess"} grants actions no code of this function calls`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := string(repoTemplate(t))
			if strings.Count(data, tt.old) != 1 {
				t.Fatalf("template contains %q %d times, want once: update this case", tt.old, strings.Count(data, tt.old))
			}
			got := checkPolicies(t, []byte(strings.Replace(data, tt.old, tt.new, 1)))
			sort.Strings(tt.want)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("policyProblems =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

// TestFunctionUsesExist keeps functionUses honest: every method it names is
// declared by an adapter and reaches an AWS call, every function of the
// template has an entry, and every queue named is a queue of the template.
func TestFunctionUsesExist(t *testing.T) {
	calls := scanAdapters(t, root(t))
	st := loadStack(t)
	for fn, uses := range functionUses {
		found := false
		for _, f := range st.Functions {
			found = found || f.Dir == fn
		}
		if !found {
			t.Errorf("functionUses has %q, which the template does not declare", fn)
		}
		for _, u := range uses {
			method, queue, _ := strings.Cut(u, " ")
			if len(calls[method]) == 0 {
				t.Errorf("%s: %s is not an adapter method that calls AWS", fn, method)
			}
			if strings.HasPrefix(method, "sqsqueue.") {
				if _, ok := st.Queue(queue); !ok {
					t.Errorf("%s: %s is bound to %q, not a queue of the template", fn, method, queue)
				}
			}
			if strings.HasPrefix(method, "lambdainvoke.") {
				if _, ok := st.Function(queue); !ok {
					t.Errorf("%s: %s invokes %q, not a function of the template", fn, method, queue)
				}
			}
		}
	}
}
