package action

// Attempted is an action activity's result when its request asks for it
// (envelope: true): the output and the attempt that produced it, so that
// a step reports how many times its activity ran, also when it succeeded
// after retries. A failure carries the attempt in its ErrorDetails.
type Attempted struct {
	Output  any `json:"output"`
	Attempt int `json:"attempt"`
}
