// Package signal implements rtcterm's signaling protocol v1 (see docs/protocol.md):
// the typed messages, their JSON codec, and a Client that joins a room on a
// signaling server and keeps the membership alive across connection losses.
//
// Messages are plain structs. Encode accepts them as values or pointers;
// Decode and Client.Messages always yield pointers (*Welcome, *Offer, ...),
// so a type switch on a received Message uses pointer cases.
package signal
