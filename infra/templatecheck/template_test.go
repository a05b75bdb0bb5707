package templatecheck

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/intrinsics"

	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/stackdef"
)

// root returns the module root: the directory of template.yaml.
func root(t *testing.T) string {
	t.Helper()
	path, err := stackdef.FindTemplateFromWD()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(path)
}

// templatePath is template.yaml at the module root, or LEVERLINK_TEMPLATE
// when set (`make lint-template TEMPLATE=other.yaml` checks another file).
func templatePath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LEVERLINK_TEMPLATE"); p != "" {
		return p
	}
	return filepath.Join(root(t), "template.yaml")
}

// repoTemplate is the repository's template.yaml, which the tests of the
// checks themselves break in memory (whatever LEVERLINK_TEMPLATE says).
func repoTemplate(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func readTemplate(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(templatePath(t))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func decode(t *testing.T, data []byte) map[string]any {
	t.Helper()
	tmpl, err := stackdef.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func loadStack(t *testing.T) stackdef.Stack {
	t.Helper()
	st, err := stackdef.Parse(readTemplate(t), "check")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// ---------------------------------------------------------------- references

// pseudoParameters are the names Ref and ${} accept besides the template's own.
var pseudoParameters = map[string]bool{
	"AWS::Region": true, "AWS::AccountId": true, "AWS::Partition": true, "AWS::URLSuffix": true,
	"AWS::StackName": true, "AWS::NoValue": true, "AWS::StackId": true, "AWS::NotificationARNs": true,
}

// subVar finds ${X} and ${X.Attr} in an Fn::Sub string; ${!X} is a literal.
var subVar = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

// danglingRefs walks a decoded template (stackdef.Decode: intrinsics in long
// form) and returns one line per reference to something the template does not
// declare: Ref to a non-parameter/resource/pseudo parameter, Fn::GetAtt and
// ${X.Attr} to a non-resource, ${X} to an unknown name, Condition / Fn::If to
// an undeclared condition, DependsOn to a non-resource. Sorted.
func danglingRefs(tmpl map[string]any) []string {
	params, resources, conditions := keysOf(tmpl["Parameters"]), keysOf(tmpl["Resources"]), keysOf(tmpl["Conditions"])
	refable := func(name string) bool { return params[name] || resources[name] || pseudoParameters[name] }
	var out []string
	report := func(path, format string, args ...any) {
		out = append(out, path+": "+fmt.Sprintf(format, args...))
	}

	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		case map[string]any:
			if len(x) == 1 {
				checkIntrinsic(path, x, refable, resources, conditions, report)
			}
			for _, k := range sortedKeys(x) {
				walk(path+"."+k, x[k])
			}
		}
	}
	for _, section := range []string{"Conditions", "Globals", "Resources", "Outputs"} {
		sec, _ := tmpl[section].(map[string]any)
		for _, name := range sortedKeys(sec) {
			path := section + "." + name
			entry := sec[name]
			if m, ok := entry.(map[string]any); ok && (section == "Resources" || section == "Outputs") {
				// The resource / output attribute (an IAM statement's Condition is a map, not this).
				if c, ok := m["Condition"].(string); ok && !conditions[c] {
					report(path+".Condition", "Condition %s: no such condition", c)
				}
				if section == "Resources" {
					deps := m["DependsOn"]
					if s, ok := deps.(string); ok {
						deps = []any{s}
					}
					for _, d := range asSlice(deps) {
						if s, _ := d.(string); !resources[s] {
							report(path+".DependsOn", "DependsOn %v: no such resource", d)
						}
					}
				}
			}
			walk(path, entry)
		}
	}
	sort.Strings(out)
	return out
}

// checkIntrinsic checks a one-key map that may be an intrinsic function.
func checkIntrinsic(path string, x map[string]any, refable func(string) bool, resources, conditions map[string]bool, report func(string, string, ...any)) {
	for fn, arg := range x {
		switch fn {
		case "Ref":
			if name, ok := arg.(string); !ok || !refable(name) {
				report(path, "Ref %v: no such parameter, resource or pseudo parameter", arg)
			}
		case "Fn::GetAtt":
			var name any
			switch a := arg.(type) {
			case []any:
				if len(a) > 0 {
					name = a[0]
				}
			case string:
				name, _, _ = strings.Cut(a, ".")
			}
			if s, ok := name.(string); !ok || !resources[s] {
				report(path, "Fn::GetAtt %v: no such resource", name)
			}
		case "Fn::Sub":
			str, vars := "", map[string]bool{}
			switch a := arg.(type) {
			case string:
				str = a
			case []any:
				if len(a) > 0 {
					str, _ = a[0].(string)
				}
				if len(a) > 1 {
					vars = keysOf(a[1])
				}
			}
			for _, m := range subVar.FindAllStringSubmatch(str, -1) {
				name := m[1]
				if vars[name] {
					continue
				}
				if res, _, isAttr := strings.Cut(name, "."); isAttr {
					if !resources[res] {
						report(path, "Fn::Sub ${%s}: no such resource %s", name, res)
					}
				} else if !refable(name) {
					report(path, "Fn::Sub ${%s}: no such parameter, resource or pseudo parameter", name)
				}
			}
		case "Condition":
			if name, ok := arg.(string); ok && !conditions[name] {
				report(path, "Condition %s: no such condition", name)
			}
		case "Fn::If":
			a := asSlice(arg)
			if len(a) != 3 {
				report(path, "Fn::If needs [condition, then, else], got %v", arg)
				return
			}
			if name, ok := a[0].(string); !ok || !conditions[name] {
				report(path, "Fn::If %v: no such condition", a[0])
			}
		}
	}
}

func keysOf(v any) map[string]bool {
	m, _ := v.(map[string]any)
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

// ---------------------------------------------------------------- tests

// parseGoformation parses the template with goformation.
//
// goformation resolves a Ref to a parameter into the parameter's default as
// YAML typed it, so `!Ref LeverRateLimit` (Type Number, Default 8) becomes
// the number 8 where a Lambda environment variable must be a string, and
// goformation.ParseYAML fails with "cannot unmarshal number into ...
// Environment.Variables of type string". CloudFormation itself always
// resolves a Ref to a parameter as a string, so we tell goformation the
// same: the defaults of Number parameters used in an environment are
// overridden with their string form (those used where CloudFormation wants a
// number, such as RetentionInDays, keep theirs).
func parseGoformation(t *testing.T, data []byte) (*cloudformation.Template, error) {
	t.Helper()
	tmpl := decode(t, data)
	inEnv := map[string]bool{}
	envs := []any{asMap(asMap(asMap(tmpl["Globals"])["Function"])["Environment"])["Variables"]}
	for _, r := range asMap(tmpl["Resources"]) {
		envs = append(envs, asMap(asMap(asMap(r)["Properties"])["Environment"])["Variables"])
	}
	for _, vars := range envs {
		for _, v := range asMap(vars) {
			if ref, ok := asMap(v)["Ref"].(string); ok {
				inEnv[ref] = true
			}
		}
	}
	overrides := map[string]any{}
	for name, p := range asMap(tmpl["Parameters"]) {
		pm := asMap(p)
		if def, ok := pm["Default"]; ok && pm["Type"] == "Number" && inEnv[name] {
			overrides[name] = fmt.Sprint(def)
		}
	}
	// goformation v7.14.9's AWS::Serverless::Function has no LoggingConfig
	// (SAM has had it since 2023): drop it from the functions, then parse the
	// decoded template as JSON.
	for _, r := range asMap(tmpl["Resources"]) {
		if asMap(r)["Type"] == "AWS::Serverless::Function" {
			delete(asMap(asMap(r)["Properties"]), "LoggingConfig")
		}
	}
	js, err := json.Marshal(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	return goformation.ParseJSONWithOptions(js, &intrinsics.ProcessorOptions{ParameterOverrides: overrides})
}

func TestParsesWithGoformation(t *testing.T) {
	tmpl, err := parseGoformation(t, readTemplate(t))
	if err != nil {
		t.Fatalf("goformation: %v", err)
	}
	st := loadStack(t)
	if got := len(tmpl.GetAllServerlessFunctionResources()); got != len(st.Functions) || got == 0 {
		t.Errorf("goformation sees %d functions, stackdef %d", got, len(st.Functions))
	}
	if got := len(tmpl.GetAllDynamoDBTableResources()); got != len(st.Tables) || got == 0 {
		t.Errorf("goformation sees %d tables, stackdef %d", got, len(st.Tables))
	}
	if got := len(tmpl.GetAllSQSQueueResources()); got != len(st.Queues) || got == 0 {
		t.Errorf("goformation sees %d queues, stackdef %d", got, len(st.Queues))
	}
}

func TestNoDanglingReferences(t *testing.T) {
	if bad := danglingRefs(decode(t, readTemplate(t))); len(bad) > 0 {
		t.Errorf("template.yaml refers to undeclared names:\n  %s", strings.Join(bad, "\n  "))
	}
}

// TestDanglingReferencesAreCaught breaks the template in memory, one way per
// case, and checks that danglingRefs reports exactly the broken name (and
// that goformation alone would not have noticed).
func TestDanglingReferencesAreCaught(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"Ref", "!Ref ExportQueue\n", "!Ref ExportQueueTypo\n", "Ref ExportQueueTypo: no such"},
		{"Ref to a parameter", "!Ref MarketplaceName", "!Ref MarketplaceNam", "Ref MarketplaceNam: no such"},
		{"Ref to a condition", "!Ref AlarmTopicArn]", "!Ref HasAlarmTopic]", "Ref HasAlarmTopic: no such"},
		{"GetAtt", "!GetAtt ExportQueue.Arn", "!GetAtt ExportQueueTypo.Arn", "Fn::GetAtt ExportQueueTypo: no such resource"},
		{"GetAtt long form", "!GetAtt ExportDLQ.Arn", "{\"Fn::GetAtt\": [ExportDLQTypo, Arn]}", "Fn::GetAtt ExportDLQTypo: no such resource"},
		{"Sub parameter", "leverlink-${Stage}-api", "leverlink-${Stag}-api", "Fn::Sub ${Stag}: no such"},
		{"Sub pseudo parameter", "${AWS::Region}:${AWS::AccountId}:parameter/leverlink/${Stage}/api-keys", "${AWS::Regio}:${AWS::AccountId}:parameter/leverlink/${Stage}/api-keys", "Fn::Sub ${AWS::Regio}: no such"},
		{"Sub resource", "https://${HttpApi}.execute-api", "https://${HttpAPI}.execute-api", "Fn::Sub ${HttpAPI}: no such"},
		{"Sub resource attribute", "https://${HttpApi}.execute-api", "https://${HttpApiTypo.ApiEndpoint}.execute-api", "Fn::Sub ${HttpApiTypo.ApiEndpoint}: no such resource HttpApiTypo"},
		{"resource Condition", "Condition: CreateAlarms", "Condition: CreateAlarmz", "Condition CreateAlarmz: no such condition"},
		{"If", "!If [HasAlarmTopic,", "!If [HasAlarmTopik,", "Fn::If HasAlarmTopik: no such condition"},
		{"Condition in a condition", "HasAlarmTopic: !Not [!Equals [!Ref AlarmTopicArn, \"\"]]", "HasAlarmTopic: !And [!Condition CreateAlarmz, !Condition CreateAlarms]", "Condition CreateAlarmz: no such condition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := string(repoTemplate(t))
			if !strings.Contains(data, tt.old) {
				t.Fatalf("template no longer contains %q: update this case", tt.old)
			}
			broken := strings.Replace(data, tt.old, tt.new, 1)
			bad := danglingRefs(decode(t, []byte(broken)))
			if len(bad) != 1 || !strings.Contains(bad[0], tt.want) {
				t.Fatalf("danglingRefs = %q, want one line containing %q", bad, tt.want)
			}
			if tt.name == "Ref" || tt.name == "GetAtt" {
				if _, err := parseGoformation(t, []byte(broken)); err != nil {
					t.Logf("goformation also rejects it: %v", err)
				}
			}
		})
	}
}

func TestDanglingRefsUnit(t *testing.T) {
	tmpl := map[string]any{
		"Parameters": map[string]any{"P": map[string]any{}},
		"Conditions": map[string]any{"C": map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "P"}, "x"}}},
		"Resources": map[string]any{
			"R": map[string]any{
				"Type":      "AWS::SQS::Queue",
				"Condition": "C",
				"DependsOn": []any{"S", "Nope"},
				"Properties": map[string]any{
					"A": map[string]any{"Fn::Sub": []any{"${Local}-${P}-${R.Arn}-${!Literal}-${X}", map[string]any{"Local": "v"}}},
					"B": map[string]any{"Fn::GetAtt": "S.Arn"},
					"Policy": map[string]any{"Statement": []any{map[string]any{
						"Effect": "Allow", "Condition": map[string]any{"StringEquals": map[string]any{"k": "v"}},
					}}},
					"D": map[string]any{"Fn::If": []any{"C", map[string]any{"Ref": "AWS::NoValue"}, map[string]any{"Ref": "Q"}}},
				},
			},
			"S": map[string]any{"Type": "AWS::SQS::Queue"},
		},
		"Outputs": map[string]any{"O": map[string]any{"Condition": "Z", "Value": map[string]any{"Fn::GetAtt": []any{"T", "Arn"}}}},
	}
	got := danglingRefs(tmpl)
	want := []string{
		"Outputs.O.Condition: Condition Z: no such condition",
		"Outputs.O.Value: Fn::GetAtt T: no such resource",
		"Resources.R.DependsOn: DependsOn Nope: no such resource",
		"Resources.R.Properties.A: Fn::Sub ${X}: no such parameter, resource or pseudo parameter",
		"Resources.R.Properties.D: Ref Q: no such parameter, resource or pseudo parameter",
	}
	// D's Ref Q is reported at the Ref's own path.
	want[4] = "Resources.R.Properties.D.Fn::If[2]: Ref Q: no such parameter, resource or pseudo parameter"
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("danglingRefs =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// ---------------------------------------------------------------- functions

func TestFunctionsBuildable(t *testing.T) {
	dir := root(t)
	tmpl := decode(t, readTemplate(t))
	globals := asMap(asMap(tmpl["Globals"])["Function"])
	makefile, err := os.ReadFile(filepath.Join(dir, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	st := loadStack(t)
	seen := map[string]bool{}
	for _, f := range st.Functions {
		t.Run(f.LogicalID, func(t *testing.T) {
			seen[f.Dir] = true
			if _, err := os.Stat(filepath.Join(dir, "functions", f.Dir, "main.go")); err != nil {
				t.Errorf("functions/%s/main.go: %v (the package is named from FunctionName %q)", f.Dir, err, f.Name)
			}
			target := regexp.MustCompile(`(?m)^build-` + regexp.QuoteMeta(f.LogicalID) + `:`)
			if !target.Match(makefile) {
				t.Errorf("Makefile has no `build-%s:` target (sam build, BuildMethod makefile)", f.LogicalID)
			}
			prop := func(name string) any {
				if v, ok := f.Raw[name]; ok {
					return v
				}
				return globals[name]
			}
			if got := prop("Runtime"); got != "provided.al2023" {
				t.Errorf("Runtime = %v, want provided.al2023", got)
			}
			if got := prop("Architectures"); !slices.Equal(asSlice(got), []any{"arm64"}) {
				t.Errorf("Architectures = %v, want [arm64]", got)
			}
			if got := prop("Handler"); got != "bootstrap" {
				t.Errorf("Handler = %v, want bootstrap", got)
			}
			if f.BuildMethod != "makefile" {
				t.Errorf("Metadata.BuildMethod = %q, want makefile", f.BuildMethod)
			}
		})
	}
	for _, fn := range config.Functions {
		if !seen[string(fn)] {
			t.Errorf("config knows function %q but the template declares no such function", fn)
		}
	}
}

// localOnly are variables the config reads that only the local stack sets.
func localOnly(name string) bool {
	return name == "DYNAMODB_ENDPOINT" || name == "SQS_ENDPOINT" || name == "SSM_ENDPOINT" || name == "S3_ENDPOINT" ||
		(strings.HasPrefix(name, "LEVER_") && strings.HasSuffix(name, "_BASE_URL"))
}

// envProblems compares the environment the template gives each function
// (globals included) with what shared/config reads for it.
func envProblems(st stackdef.Stack) []string {
	var out []string
	for _, f := range st.Functions {
		required, optional := config.Vars(config.Function(f.Dir))
		if len(required) == 0 {
			out = append(out, fmt.Sprintf("%s: config reads nothing for function %q", f.LogicalID, f.Dir))
			continue
		}
		want := map[string]bool{}
		for _, v := range append(required, optional...) {
			if !localOnly(v) {
				want[v] = true
			}
		}
		for _, v := range sortedKeys(f.Environment) {
			if !want[v] {
				out = append(out, fmt.Sprintf("%s sets %s, which config does not read for %s", f.LogicalID, v, f.Dir))
			}
		}
		var missing []string
		for v := range want {
			if _, ok := f.Environment[v]; !ok {
				missing = append(missing, v)
			}
		}
		sort.Strings(missing)
		for _, v := range missing {
			kind := "optional"
			if slices.Contains(required, v) {
				kind = "required"
			}
			out = append(out, fmt.Sprintf("%s does not set %s (%s for %s in shared/config)", f.LogicalID, v, kind, f.Dir))
		}
	}
	return out
}

func TestFunctionEnvironmentMatchesConfig(t *testing.T) {
	if bad := envProblems(loadStack(t)); len(bad) > 0 {
		t.Errorf("template.yaml environment and shared/config disagree:\n  %s", strings.Join(bad, "\n  "))
	}
}

func TestEnvProblemsCatchesDrift(t *testing.T) {
	st := loadStack(t)
	for i := range st.Functions {
		if st.Functions[i].Dir == "exporter" {
			env := map[string]any{"UNREAD_VAR": "x"}
			for k, v := range st.Functions[i].Environment {
				if k != "MARKETPLACE_NAME" {
					env[k] = v
				}
			}
			st.Functions[i].Environment = env
		}
	}
	got := strings.Join(envProblems(st), "\n")
	for _, want := range []string{
		"ExporterFunction sets UNREAD_VAR, which config does not read",
		"ExporterFunction does not set MARKETPLACE_NAME (required",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("envProblems =\n%s\nwant a line containing %q", got, want)
		}
	}
}

// ---------------------------------------------------------------- queues and tables

func TestQueuesFitTheirConsumers(t *testing.T) {
	st := loadStack(t)
	consumers := 0
	for _, f := range st.Functions {
		for name, ev := range f.Events {
			if ev.Type != "SQS" {
				continue
			}
			consumers++
			ga := asSlice(asMap(ev.Properties["Queue"])["Fn::GetAtt"])
			if len(ga) != 2 || ga[1] != "Arn" {
				t.Errorf("%s event %s: Queue must be !GetAtt <Queue>.Arn, got %v", f.LogicalID, name, ev.Properties["Queue"])
				continue
			}
			id, _ := ga[0].(string)
			q, ok := st.Queue(id)
			if !ok {
				t.Errorf("%s event %s: no queue %s", f.LogicalID, name, id)
				continue
			}
			if q.VisibilityTimeout < 6*f.Timeout {
				t.Errorf("%s VisibilityTimeout %d s < 6 x %s timeout (%d s)", id, q.VisibilityTimeout, f.LogicalID, f.Timeout)
			}
			if q.DeadLetterQueue == "" || q.MaxReceiveCount < 5 {
				t.Errorf("%s: want a dead-letter queue with maxReceiveCount >= 5, got %q / %d", id, q.DeadLetterQueue, q.MaxReceiveCount)
			}
			if dlq, ok := st.Queue(q.DeadLetterQueue); ok && dlq.FIFO != q.FIFO {
				t.Errorf("%s and its DLQ %s differ in FIFO-ness", id, dlq.LogicalID)
			}
			fail := asSlice(ev.Properties["FunctionResponseTypes"])
			if !slices.Contains(fail, any("ReportBatchItemFailures")) {
				t.Errorf("%s event %s: FunctionResponseTypes lacks ReportBatchItemFailures", f.LogicalID, name)
			}
			if f.Dir == string(config.Exporter) && !q.FIFO {
				t.Errorf("the exporter's queue %s must be FIFO (ordering per company + candidate)", id)
			}
		}
	}
	if consumers == 0 {
		t.Fatal("no SQS event source in the template")
	}
	// The export queue specifically (DESIGN §4).
	q, ok := st.Queue("ExportQueue")
	if !ok || !q.FIFO || q.ContentBasedDedup {
		t.Errorf("ExportQueue = %+v: want FIFO with explicit deduplication ids", q)
	}
	// Hand-backs never dead-letter a job: the export queue keeps
	// export.FailureReceives deliveries beyond the hand-backs allowed.
	if q.MaxReceiveCount <= export.FailureReceives {
		t.Errorf("ExportQueue maxReceiveCount %d leaves no hand-back: want more than export.FailureReceives (%d)", q.MaxReceiveCount, export.FailureReceives)
	}
	// The exporter knows which delivery is the last (it records the job
	// failed retries_exhausted then): one number, the redrive policy's.
	for _, f := range st.Functions {
		if f.Dir != string(config.Exporter) {
			continue
		}
		if got := fmt.Sprint(f.Environment["EXPORT_MAX_RECEIVE_COUNT"]); got != fmt.Sprint(q.MaxReceiveCount) {
			t.Errorf("%s EXPORT_MAX_RECEIVE_COUNT = %s, want ExportQueue's maxReceiveCount %d", f.LogicalID, got, q.MaxReceiveCount)
		}
	}
}

func TestTablesOnDemandWithPITRAndTTL(t *testing.T) {
	tmpl := decode(t, readTemplate(t))
	n := 0
	for _, id := range sortedKeys(asMap(tmpl["Resources"])) {
		res := asMap(asMap(tmpl["Resources"])[id])
		if res["Type"] != "AWS::DynamoDB::Table" {
			continue
		}
		n++
		p := asMap(res["Properties"])
		if p["BillingMode"] != "PAY_PER_REQUEST" {
			t.Errorf("%s BillingMode = %v, want PAY_PER_REQUEST", id, p["BillingMode"])
		}
		if asMap(p["PointInTimeRecoverySpecification"])["PointInTimeRecoveryEnabled"] != true {
			t.Errorf("%s: point-in-time recovery is not enabled", id)
		}
		ttl := asMap(p["TimeToLiveSpecification"])
		if ttl["Enabled"] != true || ttl["AttributeName"] == "" || ttl["AttributeName"] == nil {
			t.Errorf("%s: TTL is not enabled on a named attribute: %v", id, ttl)
		}
	}
	if n == 0 {
		t.Fatal("no DynamoDB table in the template")
	}
}
