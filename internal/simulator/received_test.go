package simulator

import (
	"strconv"
	"testing"
)

func TestReceivedLogKeepsTheLast(t *testing.T) {
	var l receivedLog
	for i := range receivedCapacity + 5 {
		l.add(Receipt{IDOperazioneClient: strconv.Itoa(i)})
	}
	all := l.all()
	if len(all) != receivedCapacity || all[0].IDOperazioneClient != "5" ||
		all[len(all)-1].IDOperazioneClient != strconv.Itoa(receivedCapacity+4) {
		t.Fatalf("kept %d, from %s to %s", len(all), all[0].IDOperazioneClient, all[len(all)-1].IDOperazioneClient)
	}
}
