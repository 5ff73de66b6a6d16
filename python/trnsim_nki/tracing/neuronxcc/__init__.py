"""Stand-in for the Neuron compiler package, tracing mode: only `neuronxcc.nki` exists here."""
