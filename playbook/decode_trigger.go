package playbook

import "strings"

// decodeTriggers decodes on: a list of single-key mappings, each
// webhook: or okta_event:.
func (d *decoder) decodeTriggers(n *node) {
	if n == nil || !d.want(n, seqNode, "on") {
		return
	}
	for _, it := range n.items {
		o := d.object(it, "trigger", []string{string(TriggerWebhook), string(TriggerOktaEvent)})
		if o == nil {
			continue
		}
		if len(it.keys) != 1 {
			d.errs.add(it.pos, CheckTrigger, "a trigger is one of webhook: or okta_event:; start a new list entry (-) for each")
			continue
		}
		kind := TriggerKind(it.keys[0].str)
		if body := o.val(string(kind)); body != nil {
			d.pb.On = append(d.pb.On, d.trigger(kind, body, it.pos))
		}
	}
}

// triggerRoots are the context variables a trigger's if: and with: see
// (a subset of Env's: the run does not exist yet).
var triggerRoots = map[TriggerKind][]string{
	TriggerWebhook:   {"alert"},
	TriggerOktaEvent: {"alert", "event"},
}

func (d *decoder) trigger(kind TriggerKind, n *node, at Pos) *Trigger {
	t := &Trigger{Kind: kind, Pos: at}
	keys := []string{"if", "with"}
	sc := &scope{where: "a webhook trigger", roots: triggerRoots[TriggerWebhook]}
	if kind == TriggerOktaEvent {
		keys = append(keys, "filter")
		sc = &scope{where: "an okta_event trigger", roots: triggerRoots[TriggerOktaEvent]}
	}
	if n.kind == scalarNode && n.tag == "null" {
		d.checkTriggerInputs(t, at)
		return t // "- webhook:" alone: every alert starts a run
	}
	o := d.object(n, string(kind)+" trigger", keys)
	if o == nil {
		return t
	}
	if v := o.val("filter"); v != nil {
		if s, ok := d.str(v, "filter"); ok {
			if strings.Contains(s, "${{") {
				d.errs.add(v.pos, CheckTrigger, "filter is an Okta System Log filter sent as is; it cannot hold expressions")
			}
			t.Filter = s
		}
	}
	if v := o.val("if"); v != nil {
		t.If = d.condition(v, sc)
	}
	keysW, vals := d.dict(o.val("with"), "with")
	t.With = make(map[string]*Value, len(keysW))
	for i, k := range keysW {
		if _, ok := d.inputs[k.str]; !ok {
			d.errs.add(k.pos, CheckTrigger, "trigger sets input %q, which the playbook does not declare%s", k.str, suggest(k.str, d.inputNames(), false))
		}
		t.With[k.str] = d.value(vals[i], sc)
	}
	d.checkTriggerInputs(t, at)
	return t
}

// checkTriggerInputs reports required inputs without a default that the
// trigger does not set: every run it starts would be refused.
func (d *decoder) checkTriggerInputs(t *Trigger, at Pos) {
	var missing []string
	for _, in := range d.pb.Inputs {
		if in.Required && !in.HasDefault && t.With[in.Name] == nil {
			missing = append(missing, in.Name)
		}
	}
	if missing != nil {
		d.errs.add(at, CheckTrigger, "%s trigger does not set required input %s", t.Kind, strings.Join(missing, ", "))
	}
}

func (d *decoder) inputNames() []string {
	out := make([]string, len(d.pb.Inputs))
	for i, in := range d.pb.Inputs {
		out[i] = in.Name
	}
	return out
}
