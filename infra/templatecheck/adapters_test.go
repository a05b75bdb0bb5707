package templatecheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// This file reads the AWS calls out of the adapter packages' source, so the
// policy test compares the template with the code instead of with a list
// someone has to remember to update.

// sdkOps are the AWS SDK operations the adapters may call, by service, and
// the IAM action each needs (a batch is authorised as its single-message
// action: SendMessageBatch as SendMessage, and so on).
var sdkOps = map[string]map[string]string{
	"dynamo": {
		"GetItem": "dynamodb:GetItem", "PutItem": "dynamodb:PutItem", "UpdateItem": "dynamodb:UpdateItem",
		"DeleteItem": "dynamodb:DeleteItem", "Query": "dynamodb:Query", "Scan": "dynamodb:Scan",
		"BatchWriteItem": "dynamodb:BatchWriteItem", "BatchGetItem": "dynamodb:BatchGetItem",
		"TransactWriteItems": "dynamodb:PutItem", "TransactGetItems": "dynamodb:GetItem",
		// a paginator calls the operation it is named for
		"NewQueryPaginator": "dynamodb:Query", "NewScanPaginator": "dynamodb:Scan",
		// table set-up: local stack and tests only (never in a function's path)
		"CreateTable": "dynamodb:CreateTable", "UpdateTimeToLive": "dynamodb:UpdateTimeToLive",
		"DescribeTable": "dynamodb:DescribeTable",
	},
	"sqsqueue": {
		"SendMessage": "sqs:SendMessage", "SendMessageBatch": "sqs:SendMessage",
		"ReceiveMessage": "sqs:ReceiveMessage", "DeleteMessage": "sqs:DeleteMessage", "DeleteMessageBatch": "sqs:DeleteMessage",
		"ChangeMessageVisibility": "sqs:ChangeMessageVisibility", "ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
		"GetQueueAttributes": "sqs:GetQueueAttributes",
		"GetQueueUrl":        "sqs:GetQueueUrl", "CreateQueue": "sqs:CreateQueue", "SetQueueAttributes": "sqs:SetQueueAttributes",
		"ListQueues": "sqs:ListQueues",
	},
	"s3store": {
		"PutObject": "s3:PutObject", "GetObject": "s3:GetObject",
		"ListObjectsV2": "s3:ListBucket", "DeleteObject": "s3:DeleteObject",
		// bucket set-up: local stack and tests only
		"CreateBucket": "s3:CreateBucket",
	},
	"lambdainvoke": {
		"Invoke": "lambda:InvokeFunction",
	},
	"ssmparam": {
		"GetParameter": "ssm:GetParameter", "GetParameters": "ssm:GetParameters", "GetParametersByPath": "ssm:GetParametersByPath",
	},
}

// adapterCalls maps "pkg.Type.Method" (or "pkg.func") to the IAM actions it
// needs: the SDK operations it calls on its client, directly or through the
// package's own functions and methods.
type adapterCalls map[string][]string

// scanAdapters parses the non-test Go files of shared/<pkg> for each adapter
// package and returns what every function and method calls.
func scanAdapters(t *testing.T, moduleRoot string) adapterCalls {
	t.Helper()
	out := adapterCalls{}
	for pkg, ops := range sdkOps {
		direct, callees, err := scanPackage(filepath.Join(moduleRoot, "shared", pkg), ops)
		if err != nil {
			t.Fatal(err)
		}
		for fn := range direct {
			seen := map[string]bool{}
			acts := map[string]bool{}
			var visit func(string)
			visit = func(f string) {
				if seen[f] {
					return
				}
				seen[f] = true
				for a := range direct[f] {
					acts[a] = true
				}
				for c := range callees[f] {
					visit(c)
				}
			}
			visit(fn)
			var list []string
			for a := range acts {
				list = append(list, a)
			}
			sort.Strings(list)
			out[pkg+"."+fn] = list
		}
	}
	return out
}

// scanPackage returns, per declared function ("name") or method
// ("Type.name"), the IAM actions of the SDK operations it calls itself and
// the package functions/methods it calls.
func scanPackage(dir string, ops map[string]string) (direct map[string]map[string]bool, callees map[string]map[string]bool, err error) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var files []*ast.File
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f)
	}
	// Declared names, to tell package calls from calls into other packages.
	funcs, methods := map[string]bool{}, map[string]bool{} // "name", "Type.name"
	for _, f := range files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				if typ := recvType(fd); typ != "" {
					methods[typ+"."+fd.Name.Name] = true
				} else {
					funcs[fd.Name.Name] = true
				}
			}
		}
	}
	direct, callees = map[string]map[string]bool{}, map[string]map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			typ := recvType(fd)
			key := fd.Name.Name
			if typ != "" {
				key = typ + "." + key
			}
			direct[key], callees[key] = map[string]bool{}, map[string]bool{}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				switch fn := call.Fun.(type) {
				case *ast.Ident:
					if funcs[fn.Name] {
						callees[key][fn.Name] = true
					}
				case *ast.SelectorExpr:
					name := fn.Sel.Name
					if a, ok := ops[name]; ok && isClient(fn.X) {
						if usesIndex(call) {
							a += onIndex
						}
						direct[key][a] = true
					} else if typ != "" && methods[typ+"."+name] {
						callees[key][typ+"."+name] = true
					}
				}
				return true
			})
		}
	}
	return direct, callees, nil
}

// onIndex marks an action on a table's secondary index: the call's input
// names an IndexName, so IAM needs the index ARN (<table>/index/<name>).
const onIndex = "@index"

// usesIndex reports whether a call's input literal sets IndexName.
func usesIndex(call *ast.CallExpr) bool {
	found := false
	for _, arg := range call.Args {
		ast.Inspect(arg, func(n ast.Node) bool {
			if kv, ok := n.(*ast.KeyValueExpr); ok {
				if id, ok := kv.Key.(*ast.Ident); ok && id.Name == "IndexName" {
					found = true
				}
			}
			return !found
		})
	}
	return found
}

// isClient reports whether x is how the adapters name their SDK client:
// db, client, s.db, q.client, ... or the service package (paginators).
func isClient(x ast.Expr) bool {
	switch e := x.(type) {
	case *ast.Ident:
		return e.Name == "db" || e.Name == "client" || e.Name == "dynamodb"
	case *ast.SelectorExpr:
		return e.Sel.Name == "db" || e.Sel.Name == "client"
	}
	return false
}

func recvType(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return ""
	}
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// storeTables reads which Tables fields each dynamo store's constructor
// binds it to, sorted: NewConnections(db, t) { ... table: t.Connections ... }
// gives Connections → ["Connections"]. A store may span several tables
// (dynamo.Facts reads three in one BatchGetItem): the policy test then
// expects each of its calls on each of them.
func storeTables(t *testing.T, moduleRoot string) map[string][]string {
	t.Helper()
	dir := filepath.Join(moduleRoot, "shared", "dynamo")
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || !strings.HasPrefix(fd.Name.Name, "New") || fd.Body == nil {
				continue
			}
			typ := strings.TrimPrefix(fd.Name.Name, "New")
			fields := map[string]bool{}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "t" {
						fields[sel.Sel.Name] = true
					}
				}
				return true
			})
			for f := range fields {
				out[typ] = append(out[typ], f)
			}
			sort.Strings(out[typ])
		}
	}
	return out
}

func TestScanAdaptersReadsTheCalls(t *testing.T) {
	calls := scanAdapters(t, root(t))
	tables := storeTables(t, root(t))
	// Spot checks that would break if the scan stopped following helpers.
	for _, tc := range []struct {
		method string
		want   []string
	}{
		{"dynamo.Connections.Get", []string{"dynamodb:GetItem"}},
		{"dynamo.Facts.Facts", []string{"dynamodb:BatchGetItem"}},
		{"dynamo.Connections.ListActive", []string{"dynamodb:Scan"}},
		{"dynamo.Links.List", []string{"dynamodb:Query"}}, // through queryAll's paginator
		{"dynamo.States.Consume", []string{"dynamodb:DeleteItem"}},
		{"dynamo.Exports.List", []string{"dynamodb:Query" + onIndex}}, // the byState index
		{"sqsqueue.Queue.EnqueueBatch", []string{"sqs:SendMessage"}},  // SendMessageBatch
		{"ssmparam.Store.Get", []string{"ssm:GetParameter"}},
		{"lambdainvoke.Function.InvokeAsync", []string{"lambda:InvokeFunction"}},
	} {
		if got := strings.Join(calls[tc.method], ","); got != strings.Join(tc.want, ",") {
			t.Errorf("%s calls %q, want %q", tc.method, got, strings.Join(tc.want, ","))
		}
	}
	for typ, want := range map[string]string{
		"States": "Events", "Postings": "Links", "Buckets": "Exports",
		"Facts": "Connections,Exports,Links", // one BatchGetItem over three tables
	} {
		if got := strings.Join(tables[typ], ","); got != want {
			t.Errorf("dynamo.%s's tables = %q, want %q (all: %v)", typ, got, want, tables)
		}
	}
	if testing.Verbose() {
		var keys []string
		for k := range calls {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if len(calls[k]) > 0 {
				t.Logf("%-40s %s", k, strings.Join(calls[k], " "))
			}
		}
		t.Logf("tables: %v", tables)
	}
}

// TestEveryAdapterIsScanned fails when a shared package imports an AWS SDK
// service client (an adapter, such as a future S3 one) that sdkOps does not
// list: its calls would otherwise escape the policy test.
func TestEveryAdapterIsScanned(t *testing.T) {
	dirs, err := os.ReadDir(filepath.Join(root(t), "shared"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(root(t), "shared", d.Name(), "*.go"))
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				p := strings.Trim(imp.Path.Value, `"`)
				if strings.HasPrefix(p, "github.com/aws/aws-sdk-go-v2/service/") {
					if _, ok := sdkOps[d.Name()]; !ok {
						t.Errorf("shared/%s imports %s but sdkOps does not list its operations: the policy test cannot see its calls", d.Name(), p)
					}
				}
			}
		}
	}
}
