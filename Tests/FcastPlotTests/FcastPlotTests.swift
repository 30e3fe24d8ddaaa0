import XCTest

@testable import FcastPlot
