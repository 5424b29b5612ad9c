// Renders one part of a listmonk campaign the way listmonk does, for tests/export.
// Reads {"template","name","email","unsubscribeUrl","messageUrl"} as JSON on stdin, prints the result;
// "name" is the name given at import ("" for none: listmonk makes one from the address).
//
// From listmonk (github.com/knadh/listmonk): the body is parsed with Go's html/template
// (models/campaigns.go CompileTemplate), after the regTplFuncs rewrites (models/common.go),
// with Sprig's GenericFuncMap plus listmonk's own functions (UnsubscribeURL, MessageURL, Safe);
// Subscriber.FirstName / LastName are copied from models/subscribers.go, and the name stored for a
// subscriber created without one from internal/subimporter/importer.go (ValidateFields).
package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"regexp"
	"strings"

	"github.com/Masterminds/sprig"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

type Subscriber struct {
	Email string
	Name  string
}

// FirstName splits the name by spaces and returns the first chunk
// of the name that's greater than 2 characters in length (listmonk).
func (s Subscriber) FirstName() string {
	for _, s := range strings.Split(s.Name, " ") {
		if len(s) > 2 {
			return s
		}
	}
	return s.Name
}

// LastName returns the last chunk of the name that's greater than 2 characters in length (listmonk).
func (s Subscriber) LastName() string {
	chunks := strings.Split(s.Name, " ")
	for i := len(chunks) - 1; i >= 0; i-- {
		if len(chunks[i]) > 2 {
			return chunks[i]
		}
	}
	return s.Name
}

// storedSubscriber is what listmonk's ValidateFields keeps: the address trimmed and lowercased,
// the name trimmed, and for an empty name the address's local part, dots as spaces, each word
// title-cased by x/text/cases (which, unlike Sprig's `title`, does not start a word after an
// apostrophe: o'brien@… is stored as "O'brien").
func storedSubscriber(email, name string) Subscriber {
	email = strings.ToLower(strings.TrimSpace(email))
	name = strings.TrimSpace(name)
	if len(name) == 0 {
		local := strings.ToLower(strings.Split(email, "@")[0])
		parts := strings.Fields(strings.ReplaceAll(local, ".", " "))
		for n, p := range parts {
			parts[n] = cases.Title(language.Und).String(p)
		}
		name = strings.Join(parts, " ")
	}
	return Subscriber{Email: email, Name: name}
}

type Message struct {
	Subscriber Subscriber
	unsubURL   string
	messageURL string
}

type input struct {
	Template       string `json:"template"`
	Name           string `json:"name"`
	Email          string `json:"email"`
	UnsubscribeURL string `json:"unsubscribeUrl"`
	MessageURL     string `json:"messageUrl"`
}

// listmonk's regTplFuncs: a bare {{ UnsubscribeURL }} gets the message passed to it.
var regURLFuncs = regexp.MustCompile(`{{(\s+)?(TrackView|UnsubscribeURL|ManageURL|OptinURL|MessageURL)(\s+)?}}`)

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail(err)
	}
	funcs := template.FuncMap{
		"UnsubscribeURL": func(m *Message) string { return m.unsubURL },
		"MessageURL":     func(m *Message) string { return m.messageURL },
		"Safe":           func(s string) template.HTML { return template.HTML(s) },
	}
	for k, v := range sprig.GenericFuncMap() {
		if _, own := funcs[k]; !own {
			funcs[k] = v
		}
	}
	body := regURLFuncs.ReplaceAllString(in.Template, `{{ $2 . }}`)
	tpl, err := template.New("content").Funcs(funcs).Option("missingkey=error").Parse(body)
	if err != nil {
		fail(err)
	}
	msg := &Message{Subscriber: storedSubscriber(in.Email, in.Name), unsubURL: in.UnsubscribeURL, messageURL: in.MessageURL}
	if err := tpl.Execute(os.Stdout, msg); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
