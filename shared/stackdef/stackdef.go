// Package stackdef reads template.yaml, the one definition of leverlink's
// stack, so that the local stack and the tests create exactly the tables
// and queues the template declares, and check the functions it declares.
//
// It is a pure package: it turns the template into plain Go values and
// resolves the few intrinsics the local stack needs (Ref to a parameter,
// !Sub with parameters). Creating the resources is the adapters' job.
package stackdef

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Stack is what the local stack needs from the template.
type Stack struct {
	Parameters map[string]string // parameter name → default ("" when none)
	Tables     []Table           // ordered by logical id
	Queues     []Queue           // ordered so that dead-letter queues come before their sources
	Functions  []Function        // ordered by logical id
	Buckets    []Bucket          // ordered by logical id
}

// Bucket is one AWS::S3::Bucket. The template leaves its name to
// CloudFormation (names are global); locally it is
// leverlink-<stage>-<logical id in lower case>.
type Bucket struct {
	LogicalID string
	Name      string
}

// Table is one AWS::DynamoDB::Table.
type Table struct {
	LogicalID    string
	Name         string // resolved TableName
	HashKey      string
	RangeKey     string            // "" when none
	Attributes   map[string]string // attribute name → S | N | B
	Indexes      []Index           // global secondary indexes
	TTLAttribute string            // "" when TTL is off
	StreamView   string            // StreamSpecification.StreamViewType; "" when the table has no stream
}

// Index is one global secondary index (projection ALL).
type Index struct {
	Name     string
	HashKey  string
	RangeKey string
}

// Queue is one AWS::SQS::Queue.
type Queue struct {
	LogicalID         string
	Name              string // resolved QueueName
	FIFO              bool
	ContentBasedDedup bool
	VisibilityTimeout int    // seconds; 30 when unset
	DeadLetterQueue   string // logical id of the DLQ, "" when none
	MaxReceiveCount   int
}

// Function is one AWS::Serverless::Function.
type Function struct {
	LogicalID   string
	Name        string           // resolved FunctionName
	Dir         string           // the functions/<dir> package, from the name's last dash-separated part
	Timeout     int              // seconds, with Globals applied
	Environment map[string]any   // variable → raw value (a string or an intrinsic), with Globals applied
	Events      map[string]Event // event name → event
	BuildMethod string           // Metadata.BuildMethod
	Async       Async            // asynchronous invocations (EventInvokeConfig)
	Raw         map[string]any   // the Properties, for checks
}

// Event is one SAM event source of a function.
type Event struct {
	Type       string         // HttpApi, SQS, ScheduleV2, ...
	Properties map[string]any // raw
}

// Load reads and resolves the template at path for the given stage (the
// Stage parameter; other parameters take their defaults).
func Load(path, stage string) (Stack, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Stack{}, fmt.Errorf("stackdef: %w", err)
	}
	return Parse(data, stage)
}

// Decode turns template YAML into plain values: maps, slices, strings,
// numbers, bools; short-form intrinsics (!Ref, !Sub, !GetAtt, ...) become
// their long form ({"Ref": ...}, {"Fn::Sub": ...}, {"Fn::GetAtt": [...]}).
func Decode(data []byte) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("stackdef: parse: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("stackdef: empty template")
	}
	v, err := decodeNode(doc.Content[0])
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("stackdef: template is not a mapping")
	}
	return m, nil
}

func decodeNode(n *yaml.Node) (any, error) {
	var v any
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			val, err := decodeNode(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = val
		}
		v = m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := decodeNode(c)
			if err != nil {
				return nil, err
			}
			s = append(s, val)
		}
		v = s
	case yaml.AliasNode:
		return decodeNode(n.Alias)
	default:
		var x any
		if err := n.Decode(&x); err != nil {
			return nil, fmt.Errorf("stackdef: line %d: %w", n.Line, err)
		}
		if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
			x = n.Value
		}
		v = x
	}
	if tag := n.Tag; strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		name := strings.TrimPrefix(tag, "!")
		if name == "Ref" || name == "Condition" {
			return map[string]any{name: v}, nil
		}
		if name == "GetAtt" {
			if s, ok := v.(string); ok {
				parts := strings.SplitN(s, ".", 2)
				v = []any{parts[0], strings.Join(parts[1:], ".")}
			}
		}
		return map[string]any{"Fn::" + name: v}, nil
	}
	return v, nil
}

// Parse decodes and resolves template data for the given stage.
func Parse(data []byte, stage string) (Stack, error) {
	t, err := Decode(data)
	if err != nil {
		return Stack{}, err
	}
	st := Stack{Parameters: map[string]string{}}
	for name, p := range asMap(t["Parameters"]) {
		st.Parameters[name] = str(asMap(p)["Default"])
	}
	if stage != "" {
		st.Parameters["Stage"] = stage
	}
	r := resolver{params: st.Parameters}
	globalsFn := asMap(asMap(t["Globals"])["Function"])

	resources := asMap(t["Resources"])
	ids := make([]string, 0, len(resources))
	for id := range resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		res := asMap(resources[id])
		props := asMap(res["Properties"])
		switch res["Type"] {
		case "AWS::DynamoDB::Table":
			tb, err := r.table(id, props)
			if err != nil {
				return Stack{}, err
			}
			st.Tables = append(st.Tables, tb)
		case "AWS::SQS::Queue":
			q, err := r.queue(id, props)
			if err != nil {
				return Stack{}, err
			}
			st.Queues = append(st.Queues, q)
		case "AWS::S3::Bucket":
			name, err := r.String(props["BucketName"])
			if err != nil {
				return Stack{}, fmt.Errorf("stackdef: %s.BucketName: %w", id, err)
			}
			if name == "" {
				name = "leverlink-" + st.Parameters["Stage"] + "-" + strings.ToLower(id)
			}
			st.Buckets = append(st.Buckets, Bucket{LogicalID: id, Name: name})
		case "AWS::Serverless::Function":
			f, err := r.function(id, props, asMap(res["Metadata"]), globalsFn)
			if err != nil {
				return Stack{}, err
			}
			st.Functions = append(st.Functions, f)
		}
	}
	// Dead-letter queues first, so a source's redrive target exists.
	sort.SliceStable(st.Queues, func(i, j int) bool {
		return st.Queues[i].DeadLetterQueue == "" && st.Queues[j].DeadLetterQueue != ""
	})
	return st, nil
}

// Table returns the table with the given logical id.
func (s Stack) Table(logicalID string) (Table, bool) {
	for _, t := range s.Tables {
		if t.LogicalID == logicalID {
			return t, true
		}
	}
	return Table{}, false
}

// Bucket returns the bucket with the given logical id.
func (s Stack) Bucket(logicalID string) (Bucket, bool) {
	for _, b := range s.Buckets {
		if b.LogicalID == logicalID {
			return b, true
		}
	}
	return Bucket{}, false
}

// MaxReceives is the maxReceiveCount of the queue with the given logical
// id (its redrive policy), 0 when there is no such queue or policy.
func (s Stack) MaxReceives(logicalID string) int {
	q, _ := s.Queue(logicalID)
	return q.MaxReceiveCount
}

// Async is how Lambda handles a function's asynchronous invocations
// (EventInvokeConfig; Lambda's defaults when unset): how many times a
// failed invocation is retried, how old an event may get before it is
// given up, and the queue an event that still fails is sent to.
type Async struct {
	MaxRetries  int    // MaximumRetryAttempts; 2 when unset
	MaxEventAge int    // MaximumEventAgeInSeconds; 21600 when unset
	OnFailure   string // logical id of the on-failure destination queue; "" when none
}

// Function returns the function with the given logical id.
func (s Stack) Function(logicalID string) (Function, bool) {
	for _, f := range s.Functions {
		if f.LogicalID == logicalID {
			return f, true
		}
	}
	return Function{}, false
}

// Mapping is an SQS event source of a function: the batch size and the
// most concurrent batches (ScalingConfig.MaximumConcurrency; 0 when unset).
type Mapping struct {
	Function       string // logical id
	BatchSize      int
	MaxConcurrency int
}

// Mapping returns the SQS event source reading the queue with the given
// logical id (the first, by function logical id, if several do).
func (s Stack) Mapping(queueLogicalID string) (Mapping, bool) {
	for _, f := range s.Functions {
		for _, ev := range f.Events {
			if ev.Type != "SQS" {
				continue
			}
			ga := asSlice(asMap(ev.Properties["Queue"])["Fn::GetAtt"])
			if len(ga) != 2 || str(ga[0]) != queueLogicalID {
				continue
			}
			m := Mapping{Function: f.LogicalID, BatchSize: 10}
			if n, ok := num(ev.Properties["BatchSize"]); ok {
				m.BatchSize = n
			}
			m.MaxConcurrency, _ = num(asMap(ev.Properties["ScalingConfig"])["MaximumConcurrency"])
			return m, true
		}
	}
	return Mapping{}, false
}

// Queue returns the queue with the given logical id.
func (s Stack) Queue(logicalID string) (Queue, bool) {
	for _, q := range s.Queues {
		if q.LogicalID == logicalID {
			return q, true
		}
	}
	return Queue{}, false
}

type resolver struct{ params map[string]string }

var subVar = regexp.MustCompile(`\$\{([A-Za-z0-9_:.]+)\}`)

// String resolves a string, a Ref to a parameter or a Sub over parameters.
func (r resolver) String(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case int, float64, bool:
		return fmt.Sprint(x), nil
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok {
			p, ok := r.params[ref]
			if !ok {
				return "", fmt.Errorf("cannot resolve Ref %s locally", ref)
			}
			return p, nil
		}
		if sub, ok := x["Fn::Sub"].(string); ok {
			var bad error
			out := subVar.ReplaceAllStringFunc(sub, func(m string) string {
				name := subVar.FindStringSubmatch(m)[1]
				p, ok := r.params[name]
				if !ok {
					bad = fmt.Errorf("cannot resolve ${%s} locally", name)
				}
				return p
			})
			return out, bad
		}
	}
	return "", fmt.Errorf("cannot resolve %v locally", v)
}

func (r resolver) table(id string, p map[string]any) (Table, error) {
	name, err := r.String(p["TableName"])
	if err != nil || name == "" {
		return Table{}, fmt.Errorf("stackdef: %s.TableName: %w", id, orMissing(err))
	}
	t := Table{LogicalID: id, Name: name, Attributes: map[string]string{}}
	for _, a := range asSlice(p["AttributeDefinitions"]) {
		m := asMap(a)
		t.Attributes[str(m["AttributeName"])] = str(m["AttributeType"])
	}
	t.HashKey, t.RangeKey = keys(p["KeySchema"])
	for _, g := range asSlice(p["GlobalSecondaryIndexes"]) {
		m := asMap(g)
		h, rk := keys(m["KeySchema"])
		t.Indexes = append(t.Indexes, Index{Name: str(m["IndexName"]), HashKey: h, RangeKey: rk})
	}
	if ss := asMap(p["StreamSpecification"]); ss != nil {
		t.StreamView = str(ss["StreamViewType"])
	}
	if ttl := asMap(p["TimeToLiveSpecification"]); ttl["Enabled"] == true {
		t.TTLAttribute = str(ttl["AttributeName"])
	}
	if t.HashKey == "" {
		return Table{}, fmt.Errorf("stackdef: %s has no HASH key", id)
	}
	return t, nil
}

func (r resolver) queue(id string, p map[string]any) (Queue, error) {
	name, err := r.String(p["QueueName"])
	if err != nil || name == "" {
		return Queue{}, fmt.Errorf("stackdef: %s.QueueName: %w", id, orMissing(err))
	}
	q := Queue{LogicalID: id, Name: name, VisibilityTimeout: 30}
	q.FIFO = p["FifoQueue"] == true
	q.ContentBasedDedup = p["ContentBasedDeduplication"] == true
	if v, ok := num(p["VisibilityTimeout"]); ok {
		q.VisibilityTimeout = v
	}
	if rp := asMap(p["RedrivePolicy"]); rp != nil {
		ga := asSlice(asMap(rp["deadLetterTargetArn"])["Fn::GetAtt"])
		if len(ga) != 2 {
			return Queue{}, fmt.Errorf("stackdef: %s.RedrivePolicy.deadLetterTargetArn must be !GetAtt <Queue>.Arn", id)
		}
		q.DeadLetterQueue = str(ga[0])
		q.MaxReceiveCount, _ = num(rp["maxReceiveCount"])
	}
	return q, nil
}

func (r resolver) function(id string, p, meta, globals map[string]any) (Function, error) {
	name, err := r.String(p["FunctionName"])
	if err != nil || name == "" {
		return Function{}, fmt.Errorf("stackdef: %s.FunctionName: %w", id, orMissing(err))
	}
	f := Function{LogicalID: id, Name: name, Raw: p, BuildMethod: str(meta["BuildMethod"])}
	f.Dir = name[strings.LastIndex(name, "-")+1:]
	f.Timeout, _ = num(globals["Timeout"])
	if v, ok := num(p["Timeout"]); ok {
		f.Timeout = v
	}
	f.Async = Async{MaxRetries: 2, MaxEventAge: 21600}
	eic := asMap(p["EventInvokeConfig"])
	if v, ok := num(eic["MaximumRetryAttempts"]); ok {
		f.Async.MaxRetries = v
	}
	if v, ok := num(eic["MaximumEventAgeInSeconds"]); ok {
		f.Async.MaxEventAge = v
	}
	if ga := asSlice(asMap(asMap(asMap(asMap(eic["DestinationConfig"])["OnFailure"])["Destination"]))["Fn::GetAtt"]); len(ga) == 2 {
		f.Async.OnFailure = str(ga[0])
	}
	f.Environment = map[string]any{}
	for k, v := range asMap(asMap(asMap(globals["Environment"])["Variables"])) {
		f.Environment[k] = v
	}
	for k, v := range asMap(asMap(asMap(p["Environment"])["Variables"])) {
		f.Environment[k] = v
	}
	f.Events = map[string]Event{}
	for k, v := range asMap(p["Events"]) {
		m := asMap(v)
		f.Events[k] = Event{Type: str(m["Type"]), Properties: asMap(m["Properties"])}
	}
	return f, nil
}

func keys(v any) (hash, rng string) {
	for _, k := range asSlice(v) {
		m := asMap(k)
		switch m["KeyType"] {
		case "HASH":
			hash = str(m["AttributeName"])
		case "RANGE":
			rng = str(m["AttributeName"])
		}
	}
	return hash, rng
}

func orMissing(err error) error {
	if err == nil {
		return fmt.Errorf("missing")
	}
	return err
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

func num(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case float64:
		return int(x), true
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}
