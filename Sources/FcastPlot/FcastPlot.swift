/// Figures drawn by gnuplot over a pipe.
public enum FcastPlot {}
