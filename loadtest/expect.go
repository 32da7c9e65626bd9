package loadtest

import "math"

// expectedFrames returns how many frames a tier of rate tierFPS takes from
// a capture of rate captureFPS among sequence numbers first..last, using the
// quality stage's rule: sequence s is taken iff
// floor(s*tier/capture) > floor((s-1)*tier/capture). Sequence numbers start
// at 1, so first == 0 means the client saw no frame: it expected none.
func expectedFrames(first, last uint64, tierFPS, captureFPS float64) uint64 {
	if first == 0 || last < first || captureFPS <= 0 {
		return 0
	}
	if tierFPS >= captureFPS {
		return last - first + 1
	}
	return taken(last, tierFPS, captureFPS) - taken(first-1, tierFPS, captureFPS)
}

// taken returns floor(s*tier/capture), exactly when both rates are whole
// numbers.
func taken(s uint64, tierFPS, captureFPS float64) uint64 {
	if tierFPS == math.Trunc(tierFPS) && captureFPS == math.Trunc(captureFPS) {
		return s * uint64(tierFPS) / uint64(captureFPS)
	}
	return uint64(math.Floor(float64(s)*tierFPS/captureFPS + 1e-9))
}
