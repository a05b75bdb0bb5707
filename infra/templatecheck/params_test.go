package templatecheck

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/stackdef"
)

// A bad parameter value must fail at deploy time with CloudFormation's
// message, not at every cold start: each parameter is constrained, a
// required one refuses the empty string, and every value the template
// accepts is one shared/config accepts for the variable it feeds.

// accepts reports whether CloudFormation would accept v for parameter p
// (AllowedValues, Min/MaxLength and AllowedPattern for strings, which must
// match the whole value; Min/MaxValue for numbers). An invalid pattern is
// reported as an error.
func accepts(p map[string]any, v string) (bool, error) {
	if vals := asSlice(p["AllowedValues"]); len(vals) > 0 {
		ok := false
		for _, a := range vals {
			ok = ok || fmt.Sprint(a) == v
		}
		if !ok {
			return false, nil
		}
	}
	num := func(k string) (float64, bool) {
		switch x := p[k].(type) {
		case int:
			return float64(x), true
		case float64:
			return x, true
		case string:
			f, err := strconv.ParseFloat(x, 64)
			return f, err == nil
		}
		return 0, false
	}
	if p["Type"] == "Number" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false, nil
		}
		if lo, ok := num("MinValue"); ok && f < lo {
			return false, nil
		}
		if hi, ok := num("MaxValue"); ok && f > hi {
			return false, nil
		}
		return true, nil
	}
	if lo, ok := num("MinLength"); ok && float64(len(v)) < lo {
		return false, nil
	}
	if hi, ok := num("MaxLength"); ok && float64(len(v)) > hi {
		return false, nil
	}
	if pat, ok := p["AllowedPattern"].(string); ok {
		re, err := regexp.Compile(`^(?:` + pat + `)$`)
		if err != nil {
			return false, fmt.Errorf("AllowedPattern %q: %w", pat, err)
		}
		if !re.MatchString(v) {
			return false, nil
		}
	}
	return true, nil
}

// parameterProblems lists parameters a bad value gets through: strings
// without AllowedPattern or AllowedValues, numbers without bounds, required
// parameters (no Default) that accept "", defaults their own constraints
// refuse.
func parameterProblems(tmpl map[string]any) []string {
	var out []string
	params := asMap(tmpl["Parameters"])
	for _, name := range sortedKeys(params) {
		p := asMap(params[name])
		def, hasDefault := p["Default"]
		switch p["Type"] {
		case "String":
			if p["AllowedPattern"] == nil && p["AllowedValues"] == nil {
				out = append(out, fmt.Sprintf("%s: String parameter without AllowedPattern or AllowedValues", name))
			}
		case "Number":
			if p["AllowedValues"] == nil && (p["MinValue"] == nil || p["MaxValue"] == nil) {
				out = append(out, fmt.Sprintf("%s: Number parameter without MinValue and MaxValue or AllowedValues", name))
			}
		default:
			out = append(out, fmt.Sprintf("%s: Type %v: use String with AllowedPattern (lists cannot be constrained per item)", name, p["Type"]))
		}
		if !hasDefault {
			if ok, err := accepts(p, ""); err != nil || ok {
				out = append(out, fmt.Sprintf("%s: required parameter accepts the empty string", name))
			}
		} else if ok, err := accepts(p, fmt.Sprint(def)); err != nil {
			out = append(out, fmt.Sprintf("%s: %v", name, err))
		} else if !ok {
			out = append(out, fmt.Sprintf("%s: its Default %q breaks its own constraints", name, fmt.Sprint(def)))
		}
	}
	return out
}

// probes are values a vendor might type at a `sam deploy --guided` prompt.
var probes = []string{
	"", " ", "x", "x y", " x", "talent.io", "0", "1", "0.5", "9.5", "10", "10.5", "19", "19.5", "20", "21", "-1", "1e1",
	"https://a.example", "https://a.example/", "http://a.example:8080", "https://a.example/oauth/lever/callback",
	"/oauth/lever/callback", "a.example/oauth/lever/callback", "https://a.example,https://b.example",
	"https://a.example, https://b.example", "a.example", "a.example,b.example:8443", "not a url", "rate(5 minutes)", "72h",
}

// validEnv is a configuration every function loads without error.
var validEnv = map[string]string{
	"CONNECTIONS_TABLE": "t", "LINKS_TABLE": "t", "EXPORTS_TABLE": "t", "EVENTS_TABLE": "t",
	"EXPORT_QUEUE_URL": "https://sqs.example/q.fifo", "REFRESH_FUNCTION_NAME": "leverlink-prod-refresher",
	"LEVER_CLIENT_ID": "id", "LEVER_CLIENT_SECRET_PARAM": "/p/s", "API_KEYS_PARAM": "/p/k",
	"WEBHOOK_SECRET_PARAM": "/p/w", "TOKEN_KEY_PARAM": "/p/t", "MARKETPLACE_NAME": "m",
	"ALLOWED_RETURN_ORIGINS": "https://app.example",
}

// consistencyProblems lists probe values the template accepts for a
// parameter but shared/config refuses in the variable the parameter feeds.
func consistencyProblems(tmpl map[string]any, st stackdef.Stack) []string {
	var out []string
	params := asMap(tmpl["Parameters"])
	seen := map[string]bool{}
	for _, f := range st.Functions {
		for _, v := range sortedKeys(f.Environment) {
			name, ok := asMap(f.Environment[v])["Ref"].(string)
			p := asMap(params[name])
			if !ok || p == nil {
				continue
			}
			for _, probe := range probes {
				if ok, _ := accepts(p, probe); !ok {
					continue
				}
				env := func(k string) string {
					if k == v {
						return probe
					}
					return validEnv[k]
				}
				if _, err := config.Load(config.Function(f.Dir), env); err != nil && strings.Contains(err.Error(), v) {
					line := fmt.Sprintf("%s accepts %q but shared/config refuses %s=%q (%v)", name, probe, v, probe, err)
					if !seen[line] {
						seen[line] = true
						out = append(out, line)
					}
				}
			}
		}
	}
	return out
}

func TestParametersConstrained(t *testing.T) {
	if bad := parameterProblems(decode(t, readTemplate(t))); len(bad) > 0 {
		t.Errorf("template.yaml lets bad values through to the cold start:\n  %s", strings.Join(bad, "\n  "))
	}
}

func TestParametersAgreeWithConfig(t *testing.T) {
	data := readTemplate(t)
	st, err := stackdef.Parse(data, "check")
	if err != nil {
		t.Fatal(err)
	}
	if bad := consistencyProblems(decode(t, data), st); len(bad) > 0 {
		t.Errorf("template.yaml accepts values the code refuses at cold start:\n  %s", strings.Join(bad, "\n  "))
	}
}

// TestParameterProblemsAreCaught breaks a parameter one way per case.
func TestParameterProblemsAreCaught(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           []string
		consistency    bool
	}{
		{
			"unconstrained required parameter",
			"  LeverClientId:\n    Type: String\n    MinLength: 1\n    MaxLength: 200\n    AllowedPattern: \"^\\\\S+$\"\n",
			"  LeverClientId:\n    Type: String\n",
			[]string{
				"LeverClientId: String parameter without AllowedPattern or AllowedValues",
				"LeverClientId: required parameter accepts the empty string",
			}, false,
		},
		{
			"no MinLength: the pattern alone refuses empty",
			"  MarketplaceName:\n    Type: String\n    MinLength: 1\n",
			"  MarketplaceName:\n    Type: String\n",
			nil, false, // the pattern alone still refuses ""
		},
		{
			"a list parameter",
			"  AllowedReturnOrigins:\n    Type: String\n",
			"  AllowedReturnOrigins:\n    Type: CommaDelimitedList\n",
			[]string{"AllowedReturnOrigins: Type CommaDelimitedList: use String with AllowedPattern (lists cannot be constrained per item)"}, false,
		},
		{
			"a default its pattern refuses",
			"    Default: rate(15 minutes)\n",
			"    Default: every 15 minutes\n",
			[]string{`RefreshSchedule: its Default "every 15 minutes" breaks its own constraints`}, false,
		},
		{
			"integer the code wants typed as Number",
			"  LeverBurst:\n    Type: String\n    Default: \"19\"\n    AllowedPattern: \"^([1-9]|1[0-9]|20)$\"\n",
			"  LeverBurst:\n    Type: Number\n    Default: 19\n    MinValue: 1\n    MaxValue: 20\n",
			[]string{
				`LeverBurst accepts "10.5" but shared/config refuses LEVER_BURST="10.5"`,
				`LeverBurst accepts "19.5" but shared/config refuses LEVER_BURST="19.5"`,
				`LeverBurst accepts "1e1" but shared/config refuses LEVER_BURST="1e1"`,
				`LeverBurst accepts "9.5" but shared/config refuses LEVER_BURST="9.5"`,
			}, true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := string(repoTemplate(t))
			if strings.Count(data, tt.old) != 1 {
				t.Fatalf("template contains %q %d times, want once: update this case", tt.old, strings.Count(data, tt.old))
			}
			broken := []byte(strings.Replace(data, tt.old, tt.new, 1))
			tmpl := decode(t, broken)
			got := parameterProblems(tmpl)
			if tt.consistency {
				st, err := stackdef.Parse(broken, "check")
				if err != nil {
					t.Fatal(err)
				}
				got = nil
				for _, line := range consistencyProblems(tmpl, st) {
					line, _, _ = strings.Cut(line, " (")
					if !slices.Contains(got, line) {
						got = append(got, line)
					}
				}
				slices.Sort(got)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}
