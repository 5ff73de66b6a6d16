"""Stand-in for the Neuron compiler package: only `neuronxcc.nki` exists here."""
