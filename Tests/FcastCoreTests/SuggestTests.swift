import XCTest

@testable import FcastCore

final class SuggestTests: XCTestCase {
    let builtins = ["load", "describe", "split", "grid", "run", "evaluate", "best", "plot", "save",
                    "take", "ids", "show", "summary", "auto_arima", "ets", "theta", "snaive", "aggregate"]

    func testClosest() {
        XCTAssertEqual(Suggest.closest(to: "lod", among: builtins), "load")
        XCTAssertEqual(Suggest.closest(to: "seasn", among: ["season", "level", "horizon"]), "season")
        XCTAssertNil(Suggest.closest(to: "xyz", among: builtins))
        XCTAssertNil(Suggest.closest(to: "xyz", among: ["season", "level", "horizon"]))
        XCTAssertEqual(Suggest.closest(to: "LOAD", among: builtins), "load")
        XCTAssertEqual(Suggest.closest(to: "evalaute", among: builtins), "evaluate")   // transposition
        XCTAssertEqual(Suggest.closest(to: "autoarima", among: builtins), "auto_arima")
        XCTAssertEqual(Suggest.closest(to: "snaiv", among: builtins), "snaive")
        XCTAssertNil(Suggest.closest(to: "a", among: ["b", "c"]))
        XCTAssertNil(Suggest.closest(to: "", among: builtins))
        XCTAssertNil(Suggest.closest(to: "lod", among: [String]()))
        XCTAssertEqual(Suggest.closest(to: "x", among: ["xs", "y"]), "xs")
        // Ties: the closer case-sensitive match, then alphabetical.
        XCTAssertEqual(Suggest.closest(to: "Ab", among: ["ac", "Ac"]), "Ac")
        XCTAssertEqual(Suggest.closest(to: "cat", among: ["cut", "bat"]), "bat")
        XCTAssertEqual(Suggest.closest(to: "season", among: Set(["season", "seasons"])), "season")
    }

    func testEditDistance() {
        XCTAssertEqual(Suggest.editDistance("", ""), 0)
        XCTAssertEqual(Suggest.editDistance("abc", ""), 3)
        XCTAssertEqual(Suggest.editDistance("", "ab"), 2)
        XCTAssertEqual(Suggest.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(Suggest.editDistance("ab", "ba"), 1)
        XCTAssertEqual(Suggest.editDistance("ca", "abc"), 3)   // optimal string alignment
        XCTAssertEqual(Suggest.editDistance("Load", "load"), 1)
        XCTAssertEqual(Suggest.editDistance("héllo", "hello"), 1)
    }
}

extension SuggestTests {
    func testAShortenedNameSuggestsTheOneCandidateItBegins() {
        XCTAssertEqual(Suggest.closest(to: "interval", among: ["interval_width", "mode", "cap"]), "interval_width")
        XCTAssertNil(Suggest.closest(to: "max", among: ["max_p", "max_q"]), "too short")
        XCTAssertNil(Suggest.closest(to: "changepoint", among: ["changepoint_range", "changepoint_prior_scale"]), "more than one")
        XCTAssertEqual(Suggest.closest(to: "seasn", among: ["season", "seasonality"]), "season", "edit distance first")
    }
}
